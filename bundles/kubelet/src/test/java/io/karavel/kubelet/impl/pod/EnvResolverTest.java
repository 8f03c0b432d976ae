package io.karavel.kubelet.impl.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A container's environment: literal values, $(VAR) references, the pod's fields, ConfigMaps and Secrets. */
class EnvResolverTest {

    private final ObjectLookup lookup = new ObjectLookup() {
        @Override
        public ConfigMap configMap(String namespace, String name) {
            return name.equals("settings") ? new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata()
                    .withData(Map.of("mode", "fast", "level", "3")).build() : null;
        }

        @Override
        public Secret secret(String namespace, String name) {
            return name.equals("creds") ? new SecretBuilder().withNewMetadata().withName(name).endMetadata()
                    .withData(Map.of("password", Base64.getEncoder().encodeToString("s3cret".getBytes(StandardCharsets.UTF_8))))
                    .build() : null;
        }
    };
    private final EnvResolver resolver = new EnvResolver(lookup);

    private static Pod pod(Container c) {
        return new PodBuilder().withNewMetadata().withName("web-1").withNamespace("shop").withUid("u-1")
                .addToLabels("app", "web").endMetadata()
                .withNewSpec().withNodeName("node-a").withContainers(c).endSpec().build();
    }

    @Test
    void resolvesEveryKindOfSourceInOrder() throws Exception {
        Container c = new ContainerBuilder().withName("app")
                .addNewEnvFrom().withPrefix("CFG_").withNewConfigMapRef().withName("settings").endConfigMapRef().endEnvFrom()
                .addNewEnv().withName("GREETING").withValue("hello").endEnv()
                .addNewEnv().withName("MESSAGE").withValue("$(GREETING) from $(POD) in $$(ESCAPED)").endEnv()
                .addNewEnv().withName("POD").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("NS").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.namespace").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("NODE").withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("APP").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.labels['app']").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("MODE").withNewValueFrom().withNewConfigMapKeyRef("mode", "settings", false).endValueFrom().endEnv()
                .addNewEnv().withName("PASSWORD").withNewValueFrom().withNewSecretKeyRef("password", "creds", false).endValueFrom().endEnv()
                .addNewEnv().withName("OPTIONAL").withNewValueFrom().withNewConfigMapKeyRef("none", "settings", true).endValueFrom().endEnv()
                .build();

        Map<String, String> env = resolver.resolve(pod(c), c, "10.88.0.7", "127.0.0.1");

        assertThat(env).containsEntry("CFG_mode", "fast").containsEntry("CFG_level", "3")
                .containsEntry("GREETING", "hello")
                // POD is defined after MESSAGE: its reference stays as written, as in Kubernetes
                .containsEntry("MESSAGE", "hello from $(POD) in $(ESCAPED)")
                .containsEntry("POD", "web-1").containsEntry("NS", "shop").containsEntry("IP", "10.88.0.7")
                .containsEntry("NODE", "node-a").containsEntry("APP", "web")
                .containsEntry("MODE", "fast").containsEntry("PASSWORD", "s3cret")
                .doesNotContainKey("OPTIONAL");
    }

    @Test
    void aMissingRequiredKeyIsAContainerConfigError() {
        Container c = new ContainerBuilder().withName("app")
                .addNewEnv().withName("X").withNewValueFrom().withNewConfigMapKeyRef("none", "settings", false).endValueFrom().endEnv()
                .build();
        assertThatThrownBy(() -> resolver.resolve(pod(c), c, "10.0.0.1", "127.0.0.1"))
                .isInstanceOf(ContainerConfigException.class)
                .hasMessage("couldn't find key none in ConfigMap shop/settings")
                .satisfies(e -> assertThat(((ContainerConfigException) e).reason()).isEqualTo("CreateContainerConfigError"));
        Container missingSecret = new ContainerBuilder().withName("app")
                .addNewEnv().withName("X").withNewValueFrom().withNewSecretKeyRef("k", "absent", false).endValueFrom().endEnv()
                .build();
        assertThatThrownBy(() -> resolver.resolve(pod(missingSecret), missingSecret, "10.0.0.1", "127.0.0.1"))
                .hasMessage("secret \"absent\" not found");
    }

    @Test
    void expandsKubernetesVariableReferences() {
        assertThat(EnvResolver.expand("$(A)-$(B)-$(C)-$$(A)-$", Map.of("A", "1", "B", "two"))).isEqualTo("1-two-$(C)-$(A)-$");
    }

    @Test
    void serviceVariablesComeLastAreShadowedByThePodsAndExpandInValues() throws Exception {
        EnvResolver withServices = new EnvResolver(lookup, pod -> {
            Map<String, String> services = new java.util.LinkedHashMap<>();
            services.put("WEB_SERVICE_HOST", "127.96.0.20");
            services.put("WEB_SERVICE_PORT", "80");
            services.put("CFG_mode", "from-service");
            return services;
        });
        Container c = new ContainerBuilder().withName("app")
                .addNewEnvFrom().withPrefix("CFG_").withNewConfigMapRef().withName("settings").endConfigMapRef().endEnvFrom()
                .addNewEnv().withName("URL").withValue("http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT)/$(CFG_mode)").endEnv()
                .addNewEnv().withName("WEB_SERVICE_PORT").withValue("8080").endEnv()
                .build();

        Map<String, String> env = withServices.resolve(pod(c), c, "10.88.0.7", "127.0.0.1");

        assertThat(env).containsOnly(Map.entry("CFG_mode", "fast"), Map.entry("CFG_level", "3"),
                // URL is defined before WEB_SERVICE_PORT: it sees the Service's value, as in Kubernetes
                Map.entry("URL", "http://127.96.0.20:80/fast"), Map.entry("WEB_SERVICE_PORT", "8080"),
                Map.entry("WEB_SERVICE_HOST", "127.96.0.20"));
        assertThat(List.copyOf(env.keySet()).subList(2, 5)).as("the container's variables first, then the Services'")
                .containsExactly("URL", "WEB_SERVICE_PORT", "WEB_SERVICE_HOST");
        assertThat(EnvResolver.expand(List.of("$(WEB_SERVICE_HOST)"), env)).containsExactly("127.96.0.20");
    }

    @Test
    void servicesNotYetReadAreAContainerConfigError() {
        EnvResolver unsynced = new EnvResolver(lookup, pod -> {
            throw new ContainerConfigException("CreateContainerConfigError",
                    "services have not yet been read at least once, cannot construct envvars");
        });
        Container c = new ContainerBuilder().withName("app").build();
        assertThatThrownBy(() -> unsynced.resolve(pod(c), c, "10.0.0.1", "127.0.0.1"))
                .isInstanceOf(ContainerConfigException.class)
                .hasMessage("services have not yet been read at least once, cannot construct envvars");
    }
}
