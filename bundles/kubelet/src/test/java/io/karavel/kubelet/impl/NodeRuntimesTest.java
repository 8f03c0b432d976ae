package io.karavel.kubelet.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.runtime.simulated.impl.SimulatedRuntime;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The runtime whiteboard of the node agent component: which runtimes, which default, who is told. */
class NodeRuntimesTest {

    /** A simulated runtime under another name (the runtimes differ only by name here). */
    private static ContainerRuntime named(String name) {
        SimulatedRuntime delegate = new SimulatedRuntime();
        return (ContainerRuntime) java.lang.reflect.Proxy.newProxyInstance(NodeRuntimesTest.class.getClassLoader(),
                new Class<?>[] {ContainerRuntime.class},
                (proxy, method, args) -> method.getName().equals("name") ? name : method.invoke(delegate, args));
    }

    private static Map<String, Object> props(String name) {
        return Map.of(ContainerRuntime.NAME_PROPERTY, name, "service.ranking", 0);
    }

    @Test
    void theTargetFilterChoosesTheDefaultAmongTheBoundRuntimes() {
        NodeRuntimes runtimes = new NodeRuntimes(NodeAgentComponent.target("(runtime.name=process)"));
        AtomicInteger changes = new AtomicInteger();
        runtimes.onChange(changes::incrementAndGet);
        ContainerRuntime podman = named("podman");
        runtimes.add(podman, props("podman"));
        assertThat(runtimes.snapshot().available()).containsOnlyKeys("podman");
        assertThat(runtimes.snapshot().configuredDefault()).as("nothing matches the target yet").isNull();

        ContainerRuntime process = named("process");
        runtimes.add(process, props("process"));
        assertThat(runtimes.snapshot().configuredDefault()).isEqualTo("process");
        assertThat(runtimes.snapshot().available().keySet()).containsExactly("podman", "process");

        runtimes.target(NodeAgentComponent.target("(|(runtime.name=podman)(runtime.name=simulated))"));
        assertThat(runtimes.snapshot().configuredDefault()).isEqualTo("podman");
        runtimes.remove(podman);
        assertThat(runtimes.snapshot().configuredDefault()).isNull();
        assertThat(runtimes.snapshot().available()).containsOnlyKeys("process");
        assertThat(changes).hasValue(4);
    }

    @Test
    void aBadTargetIsAConfigurationError() {
        assertThatThrownBy(() -> NodeAgentComponent.target("runtime.name=podman)"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("runtime.target");
    }
}
