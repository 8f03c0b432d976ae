package io.karavel.apiserver.impl;

import io.karavel.testing.Kubectl;
import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.store.StoreKeys;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The CRD workflow with the real kubectl: apply a CRD, wait for Established, apply, get (printer
 * columns), patch, re-apply, scale custom resources, see an invalid one rejected with the schema's
 * message, delete the CRD and its objects. Skipped when kubectl is not installed.
 */
class CrdKubectlTest extends KubectlTestSupport {


    private static Kubectl.Run kubectl(String... args) throws Exception {
        return kubectl.run(args);
    }

    private static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names:
                plural: widgets
                singular: widget
                kind: Widget
                shortNames: [wd]
              versions:
              - name: v1
                served: true
                storage: true
                subresources:
                  status: {}
                  scale:
                    specReplicasPath: .spec.replicas
                    statusReplicasPath: .status.replicas
                additionalPrinterColumns:
                - {name: Replicas, type: integer, jsonPath: .spec.replicas}
                - {name: Color, type: string, jsonPath: .spec.color}
                - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        required: [color]
                        properties:
                          replicas: {type: integer, minimum: 0, maximum: 10}
                          color: {type: string, enum: [red, green, blue]}
                      status:
                        type: object
                        properties:
                          replicas: {type: integer}
            """;

    private static String widget(String name, int replicas, String color) {
        return """
                apiVersion: example.com/v1
                kind: Widget
                metadata:
                  name: %s
                  namespace: default
                spec:
                  replicas: %d
                  color: %s
                """.formatted(name, replicas, color);
    }

    @Test
    void crdWorkflow() throws Exception {
        Kubectl.Run crd = kubectl("apply", "-f", write("crd.yaml", CRD).toString());
        assertThat(crd.exit()).as(crd.err()).isZero();
        assertThat(crd.out()).contains("customresourcedefinition.apiextensions.k8s.io/widgets.example.com created");

        Kubectl.Run wait = kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s");
        assertThat(wait.exit()).as(wait.err()).isZero();
        assertThat(wait.out()).contains("customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met");

        Kubectl.Run crds = kubectl("get", "crd");
        assertThat(crds.out()).contains("NAME", "CREATED AT", "widgets.example.com");

        Path w1 = write("w1.yaml", widget("w1", 1, "red"));
        Kubectl.Run create = kubectl("apply", "-f", w1.toString());
        assertThat(create.exit()).as(create.err()).isZero();
        assertThat(create.out()).contains("widget.example.com/w1 created");

        Kubectl.Run get = kubectl("get", "widgets");
        assertThat(get.exit()).as(get.err()).isZero();
        assertThat(get.out()).contains("NAME", "REPLICAS", "COLOR", "AGE");
        assertThat(get.out().lines().filter(l -> l.startsWith("w1")).findFirst().orElseThrow())
                .matches("w1\\s+1\\s+red\\s+\\d+s");
        assertThat(kubectl("get", "wd", "w1", "-o", "jsonpath={.spec.color}").out()).isEqualTo("red");

        Kubectl.Run patch = kubectl("patch", "widget", "w1", "--type=merge", "-p", "{\"spec\":{\"replicas\":5}}");
        assertThat(patch.exit()).as(patch.err()).isZero();
        assertThat(patch.out()).contains("widget.example.com/w1 patched");
        assertThat(kubectl("get", "widget", "w1", "-o", "jsonpath={.spec.replicas}").out()).isEqualTo("5");

        // re-apply: client-side apply sends a merge patch for custom resources
        Kubectl.Run reapply = kubectl("apply", "-f", write("w1b.yaml", widget("w1", 3, "blue")).toString());
        assertThat(reapply.exit()).as(reapply.err()).isZero();
        assertThat(reapply.out()).contains("widget.example.com/w1 configured");
        assertThat(kubectl("get", "widget", "w1", "-o", "jsonpath={.spec.color}/{.spec.replicas}").out()).isEqualTo("blue/3");

        Kubectl.Run scale = kubectl("scale", "widget", "w1", "--replicas=2");
        assertThat(scale.exit()).as(scale.err()).isZero();
        assertThat(scale.out()).contains("widget.example.com/w1 scaled");
        assertThat(kubectl("get", "widget", "w1", "-o", "jsonpath={.spec.replicas}").out()).isEqualTo("2");

        Kubectl.Run invalid = kubectl("apply", "-f", write("bad.yaml", widget("bad", 11, "red")).toString());
        assertThat(invalid.exit()).isNotZero();
        assertThat(invalid.err()).contains("The Widget \"bad\" is invalid: spec.replicas: Invalid value: 11:"
                + " spec.replicas in body should be less than or equal to 10");
        Kubectl.Run badColor = kubectl("apply", "-f", write("bad2.yaml", widget("bad", 1, "pink")).toString());
        assertThat(badColor.err()).contains("spec.color: Unsupported value: \"pink\": supported values: \"red\", \"green\", \"blue\"");

        Kubectl.Run unknown = kubectl("apply", "-f", write("unk.yaml", widget("unk", 1, "red") + "  size: 3\n").toString());
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err()).contains("strict decoding error: unknown field \"spec.size\"");

        // an updated CRD (re-applied) changes the schema custom resources are validated with
        Kubectl.Run crd2 = kubectl("apply", "-f", write("crd2.yaml", CRD.replace("maximum: 10", "maximum: 20")).toString());
        assertThat(crd2.exit()).as(crd2.err()).isZero();
        assertThat(crd2.out()).contains("customresourcedefinition.apiextensions.k8s.io/widgets.example.com configured");
        Path w2 = write("w2.yaml", widget("w2", 11, "green"));
        CrdHttpTest.eventually("11 replicas are accepted", () -> kubectl("apply", "-f", w2.toString()).exit() == 0);

        Kubectl.Run delete = kubectl("delete", "crd", "widgets.example.com");
        assertThat(delete.exit()).as(delete.err()).isZero();
        assertThat(delete.out()).contains("customresourcedefinition.apiextensions.k8s.io \"widgets.example.com\" deleted");
        CrdHttpTest.eventually("the widgets are deleted",
                () -> server.store.list(StoreKeys.resourcePrefix("example.com", "widgets"), null, 0).items().isEmpty());
        Kubectl.Run gone = kubectl("get", "widgets");
        assertThat(gone.exit()).isNotZero();
        // with kubectl's discovery cache still listing widgets, the server's 404 is what it prints
        assertThat(gone.err()).containsAnyOf("the server doesn't have a resource type \"widgets\"",
                "the server could not find the requested resource");
    }
}
