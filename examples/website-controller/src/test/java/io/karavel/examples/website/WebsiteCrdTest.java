package io.karavel.examples.website;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.karavel.api.client.ApiResource;
import io.karavel.testing.controller.FakeCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebsiteCrdTest {
    private final FakeCluster cluster = new FakeCluster();

    private CustomResourceDefinition stored() {
        return cluster.get(CustomResourceDefinition.class, null, WebsiteCrd.NAME).orElseThrow();
    }

    @Test
    void theDefinitionDescribesNamespacedWebsitesWithDefaultsAndAStatusSubresource() {
        CustomResourceDefinition crd = WebsiteCrd.definition();
        assertThat(crd.getMetadata().getName()).isEqualTo("websites.examples.karavel.io");
        assertThat(crd.getSpec().getGroup()).isEqualTo("examples.karavel.io");
        assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("websites");
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo("Website");
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("ws");
        CustomResourceDefinitionVersion v1 = crd.getSpec().getVersions().get(0);
        assertThat(v1.getName()).isEqualTo("v1");
        assertThat(v1.getServed()).isTrue();
        assertThat(v1.getStorage()).isTrue();
        assertThat(v1.getSubresources().getStatus()).isNotNull();
        var spec = v1.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getProperties();
        assertThat(spec.get("replicas").getDefault().asInt()).isEqualTo(1);
        assertThat(spec.get("port").getDefault().asInt()).isEqualTo(8080);
        assertThat(spec.get("content").getType()).isEqualTo("string");
        assertThat(v1.getSchema().getOpenAPIV3Schema().getProperties().get("status").getProperties())
                .containsKeys("readyReplicas", "url", "conditions");
        // the class and the CRD agree on what the typed client methods look up
        assertThat(io.fabric8.kubernetes.api.model.HasMetadata.getApiVersion(Website.class))
                .isEqualTo("examples.karavel.io/v1");
        assertThat(io.fabric8.kubernetes.api.model.HasMetadata.getPlural(Website.class)).isEqualTo("websites");
    }

    @Test
    void installCreatesTheDefinitionOnceAndLeavesAnUnchangedOneAlone() throws Exception {
        assertThat(WebsiteCrd.install(cluster, Duration.ZERO)).isFalse(); // nothing establishes it here

        assertThat(cluster.actions("create", "CustomResourceDefinition")).hasSize(1);
        assertThat(stored().getMetadata().getAnnotations())
                .containsEntry(WebsiteCrd.HASH_ANNOTATION, WebsiteCrd.hash(WebsiteCrd.definition()));
        cluster.clearActions();

        WebsiteCrd.install(cluster, Duration.ZERO);

        assertThat(cluster.actions()).isEmpty();
    }

    @Test
    void installReplacesAnOutdatedDefinitionKeepingOtherAnnotations() throws Exception {
        CustomResourceDefinition old = new CustomResourceDefinitionBuilder(WebsiteCrd.definition())
                .editMetadata().addToAnnotations(WebsiteCrd.HASH_ANNOTATION, "older")
                .addToAnnotations("team", "web").endMetadata()
                .editSpec().editNames().withShortNames(List.of()).endNames().endSpec()
                .build();
        cluster.create(old);
        cluster.clearActions();

        WebsiteCrd.install(cluster, Duration.ZERO);

        assertThat(cluster.actions("update", "CustomResourceDefinition")).hasSize(1);
        assertThat(stored().getSpec().getNames().getShortNames()).containsExactly("ws");
        assertThat(stored().getMetadata().getAnnotations()).containsEntry("team", "web")
                .containsEntry(WebsiteCrd.HASH_ANNOTATION, WebsiteCrd.hash(WebsiteCrd.definition()));
    }

    @Test
    void servedOnceEstablishedAndInDiscovery() throws Exception {
        WebsiteCrd.install(cluster, Duration.ZERO);
        assertThat(WebsiteCrd.served(cluster)).isFalse();

        CustomResourceDefinition crd = stored();
        crd.setStatus(new io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionStatusBuilder()
                .addNewCondition().withType("Established").withStatus("True").endCondition().build());
        cluster.updateStatus(crd);
        cluster.unregister(new ApiResource("examples.karavel.io", "v1", "Website", "websites", true, List.of(),
                Website.class));
        assertThat(WebsiteCrd.served(cluster)).isFalse(); // Established, but not in discovery yet

        cluster.register(new ApiResource("examples.karavel.io", "v1", "Website", "websites", true, List.of("get"),
                Website.class));
        assertThat(WebsiteCrd.served(cluster)).isTrue();
        assertThat(WebsiteCrd.install(cluster, Duration.ofSeconds(5))).isTrue();
    }
}
