package io.karavel.controller.runtime.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.karavel.api.controller.Reconciler;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** The DS component driven by hand as SCR would: constructor, bind/unbind, deactivate. */
class ControllerRuntimeComponentTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private MapDbStore store;
    private ApiServer server;
    private ControllerRuntimeComponent component;

    @BeforeEach
    void start() throws Exception {
        store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        server = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, null));
        server.start();
        component = new ControllerRuntimeComponent(store, server.objectClient(), defaults());
    }

    @AfterEach
    void stop() throws Exception {
        component.deactivate();
        server.close();
        store.close();
    }

    /** The Config with every attribute at its declared default, as SCR builds it without a configuration. */
    private static ControllerRuntimeComponent.Config defaults() {
        return (ControllerRuntimeComponent.Config) Proxy.newProxyInstance(
                ControllerRuntimeComponentTest.class.getClassLoader(),
                new Class<?>[] {ControllerRuntimeComponent.Config.class},
                (proxy, method, args) -> method.getDefaultValue());
    }

    @SuppressWarnings("unchecked")
    private static ServiceReference<Reconciler> registeredBy(String bundleName) {
        Bundle bundle = (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> method.getName().equals("getSymbolicName") ? bundleName : null);
        return (ServiceReference<Reconciler>) Proxy.newProxyInstance(ServiceReference.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class},
                (proxy, method, args) -> method.getName().equals("getBundle") ? bundle : null);
    }

    @Test
    void bindingRunsAReconcilerAndUnbindingStopsIt() throws Exception {
        ConfigMapCopier copier = new ConfigMapCopier();
        component.bindReconciler(copier, registeredBy("io.example.copier"));
        server.objectClient().create(new ConfigMapBuilder().withNewMetadata().withNamespace("default").withName("a")
                .addToLabels("copy", "true").endMetadata().withData(Map.of("k", "v")).build());

        eventually("the copy exists", WAIT,
                () -> server.objectClient().get(ConfigMap.class, "default", "a-copy").isPresent());
        assertThat(component.controllers()).singleElement()
                .satisfies(c -> assertThat(c.bundle()).isEqualTo("io.example.copier"));
        // the shared cache follows the store through its watch: it may lag the read above
        eventually("the copy is in the shared cache", WAIT,
                () -> component.of(ConfigMap.class).get("default", "a-copy").isPresent());

        component.unbindReconciler(copier);
        assertThat(component.controllers()).isEmpty();
    }

    @Test
    void aLeaderElectionGatesTheControllersUntilItIsGone() {
        TestElection election = new TestElection(false);
        assertThat(component.leading()).isTrue();
        component.bindLeaderElection(election);
        assertThat(component.leading()).isFalse();
        election.set(true);
        assertThat(component.leading()).isTrue();
        election.set(false);

        TestElection replacement = new TestElection(true);
        component.bindLeaderElection(replacement); // GREEDY: the better one arrives before the old one leaves
        component.unbindLeaderElection(election);
        assertThat(component.leading()).isTrue();
        replacement.set(false);
        assertThat(component.leading()).isFalse();
        component.unbindLeaderElection(replacement);
        assertThat(component.leading()).as("no election: this master leads").isTrue();
    }
}
