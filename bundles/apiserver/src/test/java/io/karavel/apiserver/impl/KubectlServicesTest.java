package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import io.karavel.testing.Kubectl;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Services through the real kubectl: {@code apply} (twice: the second apply must keep the
 * allocated cluster IP and node ports), {@code replace} of the original manifest, and the
 * {@code kubectl get svc} columns as Kubernetes prints them.
 */
class KubectlServicesTest extends KubectlTestSupport {

    private static final String MANIFEST = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: net
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: net
            spec:
              type: NodePort
              selector: {app: web, tier: front}
              ports:
              - {name: http, port: 80, targetPort: 8080, nodePort: 30080}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: api
              namespace: net
            spec:
              selector: {app: api}
              ports:
              - {name: http, port: 8080}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: edge
              namespace: net
            spec:
              type: LoadBalancer
              selector: {app: edge}
              ports:
              - {port: 443}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: db
              namespace: net
            spec:
              clusterIP: None
              selector: {app: db}
              ports:
              - {port: 5432}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: docs
              namespace: net
            spec:
              type: ExternalName
              externalName: docs.example.org
            """;

    private static JsonNode json(String... args) throws Exception {
        return TestServer.JSON.readTree(ok(args).out());
    }

    @Test
    void applyGetAndReplaceServices() throws Exception {
        Path file = write("services.yaml", MANIFEST);
        assertThat(ok("apply", "-f", file.toString()).out()).contains("service/web created", "service/api created",
                "service/edge created", "service/db created", "service/docs created");
        JsonNode api = json("get", "svc", "api", "-n", "net", "-o", "json");
        String apiIp = api.at("/spec/clusterIP").asText();
        JsonNode web = json("get", "svc", "web", "-n", "net", "-o", "json");
        String webIp = web.at("/spec/clusterIP").asText();
        JsonNode edge = json("get", "svc", "edge", "-n", "net", "-o", "json");
        String edgeIp = edge.at("/spec/clusterIP").asText();
        int edgePort = edge.at("/spec/ports/0/nodePort").asInt();

        // re-applying the same manifest changes nothing: the allocated values are kept
        assertThat(ok("apply", "-f", file.toString()).out()).contains("service/web unchanged", "service/api unchanged");
        // as is a replace of the original manifest, which has no clusterIP nor nodePort for api and edge
        ok("replace", "-f", file.toString());
        assertThat(json("get", "svc", "api", "-n", "net", "-o", "json").at("/spec/clusterIP").asText()).isEqualTo(apiIp);
        assertThat(json("get", "svc", "edge", "-n", "net", "-o", "json").at("/spec/ports/0/nodePort").asInt())
                .isEqualTo(edgePort);

        List<String> lines = ok("get", "svc", "-n", "net").out().lines().toList();
        assertThat(lines.get(0)).matches("NAME\\s+TYPE\\s+CLUSTER-IP\\s+EXTERNAL-IP\\s+PORT\\(S\\)\\s+AGE");
        assertThat(lines).anyMatch(l -> l.matches("api\\s+ClusterIP\\s+" + quote(apiIp) + "\\s+<none>\\s+8080/TCP\\s+\\S+"));
        assertThat(lines).anyMatch(l -> l.matches("web\\s+NodePort\\s+" + quote(webIp) + "\\s+<none>\\s+80:30080/TCP\\s+\\S+"));
        assertThat(lines).anyMatch(l -> l.matches(
                "edge\\s+LoadBalancer\\s+" + quote(edgeIp) + "\\s+<pending>\\s+443:" + edgePort + "/TCP\\s+\\S+"));
        assertThat(lines).anyMatch(l -> l.matches("db\\s+ClusterIP\\s+None\\s+<none>\\s+5432/TCP\\s+\\S+"));
        assertThat(lines).anyMatch(l -> l.matches("docs\\s+ExternalName\\s+<none>\\s+docs\\.example\\.org\\s+<none>\\s+\\S+"));

        List<String> wide = ok("get", "svc", "web", "-n", "net", "-o", "wide").out().lines().toList();
        assertThat(wide.get(0)).matches("NAME\\s+TYPE\\s+CLUSTER-IP\\s+EXTERNAL-IP\\s+PORT\\(S\\)\\s+AGE\\s+SELECTOR");
        assertThat(wide.get(1)).matches("web\\s+NodePort\\s+\\S+\\s+<none>\\s+80:30080/TCP\\s+\\S+\\s+app=web,tier=front");

        assertThat(ok("get", "svc", "kube-dns", "-n", "kube-system").out().lines().toList().get(1))
                .matches("kube-dns\\s+ClusterIP\\s+127\\.96\\.0\\.10\\s+<none>\\s+53/UDP,53/TCP\\s+\\S+");

        // a taken node port: Kubernetes' message reaches the user
        Path clash = write("clash.yaml", """
                apiVersion: v1
                kind: Service
                metadata: {name: clash, namespace: net}
                spec:
                  type: NodePort
                  ports: [{port: 80, nodePort: 30080}]
                """);
        Kubectl.Run refused = kubectl.run("apply", "-f", clash.toString());
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains(
                "The Service \"clash\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated");
    }

    private static String quote(String s) {
        return java.util.regex.Pattern.quote(s);
    }
}
