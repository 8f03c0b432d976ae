package io.karavel.scheduler.plugins;

import static io.karavel.scheduler.plugins.Fixtures.info;
import static io.karavel.scheduler.plugins.Fixtures.nodeBuilder;
import static io.karavel.scheduler.plugins.Fixtures.nodeInfo;
import static io.karavel.scheduler.plugins.Fixtures.pod;
import static io.karavel.scheduler.plugins.Fixtures.podBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuntimeClassFilterTest {

    /** RuntimeClass "sandboxed" runs on handler podman, "light" on process. */
    private final RuntimeClassFilter filter = new RuntimeClassFilter(
            name -> Optional.ofNullable(Map.of("sandboxed", "podman", "light", "process").get(name)));

    private static NodeInfo nodeOffering(String name, String... handlers) {
        var node = nodeBuilder(name, "4", "8Gi");
        for (String h : handlers) {
            node.editMetadata().addToLabels("runtime.karavel.io/" + h, "true").endMetadata();
        }
        return nodeInfo(node.build());
    }

    private static PodInfo withRuntimeClass(String runtimeClass) {
        return info(podBuilder("p", null, null).editSpec().withRuntimeClassName(runtimeClass).endSpec().build());
    }

    @Test
    void aPodWithoutRuntimeClassIsNotConcerned() {
        assertThat(filter.filter(info(pod("plain", null, null)), nodeOffering("n")).code())
                .isEqualTo(FilterStatus.Code.SKIP);
    }

    @Test
    void passesOnlyNodesOfferingTheHandler() {
        NodeInfo both = nodeOffering("both", "podman", "process");
        NodeInfo processOnly = nodeOffering("proc", "process");
        assertThat(filter.filter(withRuntimeClass("sandboxed"), both).isSuccess()).isTrue();
        assertThat(filter.filter(withRuntimeClass("light"), processOnly).isSuccess()).isTrue();

        FilterStatus refused = filter.filter(withRuntimeClass("sandboxed"), processOnly);
        assertThat(refused.code()).isEqualTo(FilterStatus.Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        assertThat(refused.reasons()).containsExactly("node(s) do not offer runtime handler \"podman\"");
    }

    @Test
    void aLabelOtherThanTrueDoesNotOfferTheHandler() {
        NodeInfo node = nodeInfo(nodeBuilder("n", "4", "8Gi").editMetadata()
                .addToLabels("runtime.karavel.io/podman", "false").endMetadata().build());
        assertThat(filter.filter(withRuntimeClass("sandboxed"), node).isSuccess()).isFalse();
    }

    @Test
    void aPodWhoseRuntimeClassIsGoneFitsNowhere() {
        FilterStatus status = filter.filter(withRuntimeClass("deleted"), nodeOffering("n", "podman", "process"));
        assertThat(status.code()).isEqualTo(FilterStatus.Code.UNSCHEDULABLE);
        assertThat(status.reasons()).containsExactly("RuntimeClass \"deleted\" not found");
    }
}
