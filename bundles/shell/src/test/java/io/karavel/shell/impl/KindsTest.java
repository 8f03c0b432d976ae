package io.karavel.shell.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.karavel.api.client.ApiResource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kind resolution as kubectl does it, against the resources the real API server serves. */
class KindsTest {

    private static ApiResource resource(String group, String kind, String plural, boolean namespaced) {
        return new ApiResource(group, "v1", kind, plural, namespaced, List.of("get", "list"), GenericKubernetesResource.class);
    }

    private static final List<ApiResource> SERVED = List.of(
            resource("events.k8s.io", "Event", "events", true),
            resource("", "Pod", "pods", true),
            resource("", "Event", "events", true),
            resource("apps", "Deployment", "deployments", true),
            resource("", "Node", "nodes", false),
            resource("example.com", "Widget", "widgets", true));

    private final Kinds kinds = new Kinds(SERVED, Map.of("widgets.example.com", List.of("wd")));

    @Test
    void pluralSingularKindAndShortNamesResolve() {
        for (String typed : List.of("pods", "pod", "Pod", "PODS", "po")) {
            assertThat(kinds.resolve(typed)).as(typed).get().extracting(ApiResource::kind).isEqualTo("Pod");
        }
        assertThat(kinds.resolve("deploy")).get().extracting(ApiResource::group).isEqualTo("apps");
        assertThat(kinds.resolve("no")).get().extracting(ApiResource::plural).isEqualTo("nodes");
    }

    @Test
    void coreGroupWinsAndAGroupSuffixSelects() {
        assertThat(kinds.resolve("events")).get().extracting(ApiResource::group).isEqualTo("");
        assertThat(kinds.resolve("ev")).get().extracting(ApiResource::group).isEqualTo("");
        assertThat(kinds.resolve("events.events.k8s.io")).get().extracting(ApiResource::group).isEqualTo("events.k8s.io");
        assertThat(kinds.resolve("deployments.apps")).get().extracting(ApiResource::kind).isEqualTo("Deployment");
        assertThat(kinds.resolve("deployment.v1.apps")).get().extracting(ApiResource::kind).isEqualTo("Deployment");
        assertThat(kinds.resolve("deployments.batch")).isEmpty();
    }

    @Test
    void customResourcesResolveByPluralAndTheirDefinitionsShortNames() {
        assertThat(kinds.resolve("widgets")).get().extracting(ApiResource::kind).isEqualTo("Widget");
        assertThat(kinds.resolve("wd")).get().extracting(ApiResource::kind).isEqualTo("Widget");
        assertThat(kinds.resolve("widget.example.com")).get().extracting(ApiResource::kind).isEqualTo("Widget");
        // a built-in short name is not given to a custom kind of the same plural
        Kinds withCustomPods = new Kinds(List.of(resource("example.com", "Pod", "pods", true)), Map.of());
        assertThat(withCustomPods.resolve("po")).isEmpty();
    }

    @Test
    void unknownKindsAreEmptyAndNamedLikeKubectl() {
        assertThat(kinds.resolve("foo")).isEmpty();
        assertThat(Kinds.unknownKind("foo")).isEqualTo("error: the server doesn't have a resource type \"foo\"");
        assertThat(Kinds.displayKind(kinds.resolve("deploy").orElseThrow())).isEqualTo("deployment.apps");
        assertThat(Kinds.displayKind(kinds.resolve("po").orElseThrow())).isEqualTo("pod");
    }
}
