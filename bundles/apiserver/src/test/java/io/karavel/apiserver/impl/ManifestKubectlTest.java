package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.testing.Kubectl;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The manifest endpoint and the real kubectl's client-side apply take turns on the same objects:
 * each finds the other's {@code last-applied-configuration} annotation and three-way merges from
 * it. Skipped when kubectl is not installed.
 */
class ManifestKubectlTest extends KubectlTestSupport {

    private static String manifest(String greeting, boolean withColor, String image) {
        return """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: turns
                data:
                  greeting: %s
                %s
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: turns
                spec:
                  replicas: 1
                  selector:
                    matchLabels: {app: turns}
                  template:
                    metadata:
                      labels: {app: turns}
                    spec:
                      containers:
                      - name: app
                        image: %s
                        ports:
                        - containerPort: 8080
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: turns
                spec:
                  selector: {app: turns}
                  ports:
                  - port: 80
                    targetPort: 8080
                """.formatted(greeting, withColor ? "  color: blue" : "", image);
    }

    private static String endpoint(String manifest) throws Exception {
        TestServer.Reply reply = server.send("POST", "/karavel/v1/manifests?output=text&namespace=default", "application/yaml", manifest);
        assertThat(reply.code()).as(reply.text()).isEqualTo(200);
        return reply.text();
    }

    @Test
    void theEndpointAndKubectlApplyShareTheLastAppliedConfiguration() throws Exception {
        String first = manifest("hello", true, "nginx:1.25");
        assertThat(endpoint(first)).isEqualTo("configmap/turns created\ndeployment.apps/turns created\nservice/turns created\n");

        Path file = write("turns.yaml", first);
        Kubectl.Run same = ok("apply", "-n", "default", "-f", file.toString());
        assertThat(same.out()).isEqualTo("configmap/turns unchanged\ndeployment.apps/turns unchanged\nservice/turns unchanged\n");

        // kubectl drops the color and changes the image; the endpoint then has nothing to do
        String second = manifest("hello", false, "nginx:1.26");
        Kubectl.Run changed = ok("apply", "-n", "default", "-f", write("turns.yaml", second).toString());
        assertThat(changed.out()).isEqualTo("configmap/turns configured\ndeployment.apps/turns configured\nservice/turns unchanged\n");
        assertThat(endpoint(second)).isEqualTo("configmap/turns unchanged\ndeployment.apps/turns unchanged\nservice/turns unchanged\n");

        // and the other way round
        String third = manifest("bye", false, "nginx:1.26");
        assertThat(endpoint(third)).isEqualTo("configmap/turns configured\ndeployment.apps/turns unchanged\nservice/turns unchanged\n");
        Kubectl.Run after = ok("apply", "-n", "default", "-f", write("turns.yaml", third).toString());
        assertThat(after.out()).isEqualTo("configmap/turns unchanged\ndeployment.apps/turns unchanged\nservice/turns unchanged\n");
        assertThat(server.get("/api/v1/namespaces/default/configmaps/turns").json().path("data").toString())
                .isEqualTo("{\"greeting\":\"bye\"}");
    }
}
