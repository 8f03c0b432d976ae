package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.api.store.StoreKeys;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CustomResourceDefinitions over HTTP: CRD validation, status conditions, discovery and OpenAPI,
 * custom resource CRUD with schema validation and pruning, /status, /scale, printer columns,
 * and the cleanup when a CRD is deleted.
 */
class CrdHttpTest {
    private static final String CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    private static TestServer s;
    private static final AtomicInteger SEQ = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer();
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    /** Polls until the call returns true; fails after 10 s. */
    static void eventually(String what, Callable<Boolean> check) throws Exception {
        io.karavel.testing.Eventually.eventually(what, java.time.Duration.ofSeconds(10), check);
    }

    private static String namespace() throws Exception {
        String name = "crd" + SEQ.incrementAndGet();
        assertThat(s.post("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}").code())
                .isEqualTo(201);
        return name;
    }

    /** A namespaced CRD {@code <plural>.<group>} for kind {@code Widget}-like names, with /status and /scale. */
    static String crd(String group, String plural, String kind) {
        return """
                {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
                 "metadata":{"name":"%2$s.%1$s"},
                 "spec":{"group":"%1$s","scope":"Namespaced",
                  "names":{"plural":"%2$s","singular":"%3$s","kind":"%4$s","shortNames":["%3$sx"]},
                  "versions":[{"name":"v1","served":true,"storage":true,
                   "selectableFields":[{"jsonPath":".spec.color"}],
                   "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas",
                     "statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}},
                   "additionalPrinterColumns":[
                     {"name":"Replicas","type":"integer","jsonPath":".spec.replicas"},
                     {"name":"Color","type":"string","jsonPath":".spec.color"},
                     {"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\\"Ready\\")].status"}],
                   "schema":{"openAPIV3Schema":{"type":"object","properties":{
                     "spec":{"type":"object","required":["color"],"properties":{
                       "replicas":{"type":"integer","minimum":0,"maximum":10,"default":1},
                       "color":{"type":"string","enum":["red","green","blue"]},
                       "name":{"type":"string","minLength":2,"maxLength":5,"pattern":"^[a-z]+$"},
                       "tags":{"type":"array","maxItems":2,"items":{"type":"string"}},
                       "labels":{"type":"object","additionalProperties":{"type":"string"}},
                       "port":{"x-kubernetes-int-or-string":true},
                       "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
                       "note":{"type":"string","nullable":true}}},
                     "status":{"type":"object","properties":{
                       "replicas":{"type":"integer"},"selector":{"type":"string"},
                       "conditions":{"type":"array","items":{"type":"object","properties":{
                         "type":{"type":"string"},"status":{"type":"string"}}}}}}}}}}]}}
                """.formatted(group, plural, plural.substring(0, plural.length() - 1), kind);
    }

    /** The CRD JSON without a field of its first version. */
    private static String withoutVersionField(String crd, String field) throws Exception {
        JsonNode node = TestServer.JSON.readTree(crd);
        ((com.fasterxml.jackson.databind.node.ObjectNode) node.at("/spec/versions/0")).remove(field);
        return node.toString();
    }

    private static String widget(String name, String spec) {
        return "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"" + name
                + "\",\"labels\":{\"app\":\"" + name + "\"}},\"spec\":" + spec + "}";
    }

    private static JsonNode established(String name) throws Exception {
        JsonNode[] last = new JsonNode[1];
        eventually(name + " is Established", () -> {
            last[0] = s.get(CRDS + "/" + name).json();
            for (JsonNode c : last[0].at("/status/conditions")) {
                if (c.get("type").asText().equals("Established") && c.get("status").asText().equals("True")) {
                    return true;
                }
            }
            return false;
        });
        return last[0];
    }

    /** One CRD shared by the custom-resource tests (group example.com, widgets). */
    private static synchronized void widgets() throws Exception {
        if (s.get(CRDS + "/widgets.example.com").code() == 404) {
            assertThat(s.post(CRDS, crd("example.com", "widgets", "Widget")).code()).isEqualTo(201);
        }
        established("widgets.example.com");
    }

    // ------------------------------------------------------------ the CRD itself

    @Test
    void crdValidation() throws Exception {
        String good = crd("valid.example.com", "things", "Thing");
        TestServer.Reply wrongName = s.post(CRDS, good.replace("\"name\":\"things.valid.example.com\"", "\"name\":\"other.valid.example.com\""));
        assertThat(wrongName.code()).isEqualTo(422);
        assertThat(wrongName.json().get("message").asText())
                .contains("metadata.name: Invalid value: \"other.valid.example.com\": must be spec.names.plural+\".\"+spec.group");

        TestServer.Reply twoStorage = s.post(CRDS, good.replace("\"storage\":true", "\"storage\":false"));
        assertThat(twoStorage.code()).isEqualTo(422);
        assertThat(twoStorage.json().get("message").asText()).contains("must have exactly one version marked as storage version");

        TestServer.Reply scope = s.post(CRDS, good.replace("\"Namespaced\"", "\"Galaxy\""));
        assertThat(scope.json().get("message").asText())
                .contains("spec.scope: Unsupported value: \"Galaxy\": supported values: \"Cluster\", \"Namespaced\"");

        TestServer.Reply badPlural = s.post(CRDS, good.replace("\"plural\":\"things\"", "\"plural\":\"Things\""));
        assertThat(badPlural.json().get("message").asText()).contains("spec.names.plural: Invalid value: \"Things\": a DNS-1035 label");

        TestServer.Reply noType = s.post(CRDS, good.replace("\"tags\":{\"type\":\"array\",", "\"tags\":{"));
        assertThat(noType.code()).isEqualTo(422);
        assertThat(noType.json().get("message").asText())
                .contains("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[tags].type: Required value");

        TestServer.Reply ref = s.post(CRDS, good.replace("\"note\":{\"type\":\"string\",", "\"note\":{\"$ref\":\"#/x\",\"type\":\"string\","));
        assertThat(ref.code()).isEqualTo(422);
        assertThat(ref.json().get("message").asText()).contains("properties[note].$ref: Forbidden");

        TestServer.Reply noSchema = s.post(CRDS, withoutVersionField(good, "schema"));
        assertThat(noSchema.json().get("message").asText()).contains("spec.versions[0].schema.openAPIV3Schema: Required value");

        assertThat(s.get(CRDS + "/things.valid.example.com").code()).isEqualTo(404);
    }

    @Test
    void crdIsEstablishedAndServedInDiscoveryAndOpenApi() throws Exception {
        assertThat(s.post(CRDS, crd("disc.example.com", "gadgets", "Gadget")).code()).isEqualTo(201);
        JsonNode crd = established("gadgets.disc.example.com");
        assertThat(crd.at("/spec/names/listKind").asText()).as("defaulted").isEqualTo("GadgetList");
        JsonNode names = crd.at("/status/conditions");
        assertThat(names.findValuesAsText("type")).containsExactly("NamesAccepted", "Established");
        for (JsonNode c : names) {
            assertThat(c.get("status").asText()).isEqualTo("True");
            assertThat(c.get("lastTransitionTime").asText()).endsWith("Z");
            assertThat(c.get("reason").asText()).isNotEmpty();
            assertThat(c.get("message").asText()).isNotEmpty();
        }
        assertThat(crd.at("/status/acceptedNames/plural").asText()).isEqualTo("gadgets");
        assertThat(crd.at("/status/storedVersions").toString()).isEqualTo("[\"v1\"]");

        assertThat(s.get("/apis").json().get("groups").findValuesAsText("name")).contains("disc.example.com", "apiextensions.k8s.io");
        JsonNode list = s.get("/apis/disc.example.com/v1").json();
        assertThat(list.get("resources").findValuesAsText("name")).containsExactly("gadgets", "gadgets/status", "gadgets/scale");
        assertThat(list.get("resources").get(0).get("shortNames").toString()).isEqualTo("[\"gadgetx\"]");
        assertThat(list.get("resources").get(2).get("kind").asText()).isEqualTo("Scale");
        assertThat(s.get("/apis/apiextensions.k8s.io/v1").json().get("resources").get(0).get("shortNames").toString())
                .contains("crd");

        JsonNode index = s.get("/openapi/v3").json();
        String url = index.at("/paths/apis~1disc.example.com~1v1/serverRelativeURL").asText();
        assertThat(url).startsWith("/openapi/v3/apis/disc.example.com/v1");
        JsonNode patch = s.get(url).json().at("/paths/~1apis~1disc.example.com~1v1~1namespaces~1{namespace}~1gadgets~1{name}/patch");
        assertThat(patch.at("/x-kubernetes-group-version-kind/kind").asText()).isEqualTo("Gadget");
        assertThat(patch.get("parameters").findValuesAsText("name")).contains("fieldValidation");

        // CRD tables: NAME and CREATED AT, as kubectl get crd shows
        var table = s.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url() + CRDS))
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(TestServer.JSON.readTree(table.body()).get("columnDefinitions").findValuesAsText("name"))
                .containsExactly("Name", "Created At");
    }

    @Test
    void nameConflictIsNotAccepted() throws Exception {
        assertThat(s.post(CRDS, crd("clash.example.com", "bolts", "Bolt")).code()).isEqualTo(201);
        established("bolts.clash.example.com");
        String second = crd("clash.example.com", "nuts", "Bolt");
        assertThat(s.post(CRDS, second).code()).isEqualTo(201);
        eventually("nuts has conditions", () -> s.get(CRDS + "/nuts.clash.example.com").json().at("/status/conditions").size() == 2);
        JsonNode status = s.get(CRDS + "/nuts.clash.example.com").json().get("status");
        JsonNode accepted = status.get("conditions").get(0);
        assertThat(accepted.get("type").asText()).isEqualTo("NamesAccepted");
        assertThat(accepted.get("status").asText()).isEqualTo("False");
        assertThat(accepted.get("reason").asText()).isEqualTo("KindConflict");
        assertThat(accepted.get("message").asText()).isEqualTo("\"Bolt\" is already in use");
        assertThat(status.get("conditions").get(1).get("status").asText()).isEqualTo("False");
        assertThat(s.get("/apis/clash.example.com/v1").json().get("resources").findValuesAsText("name")).doesNotContain("nuts");
    }

    // ------------------------------------------------------------ custom resources

    @Test
    void customResourceCrudSelectorsAndPatches() throws Exception {
        widgets();
        String ns = namespace();
        String base = "/apis/example.com/v1/namespaces/" + ns + "/widgets";
        TestServer.Reply created = s.post(base, widget("a", "{\"color\":\"red\",\"extra\":{\"free\":{\"x\":1}}}"));
        assertThat(created.code()).as(created.text()).isEqualTo(201);
        JsonNode a = created.json();
        assertThat(a.get("kind").asText()).isEqualTo("Widget");
        assertThat(a.at("/metadata/uid").asText()).isNotEmpty();
        assertThat(a.at("/spec/replicas").asInt()).as("schema default").isEqualTo(1);
        assertThat(a.at("/spec/extra/free/x").asInt()).as("preserve-unknown-fields").isEqualTo(1);
        assertThat(s.post(base, widget("b", "{\"color\":\"blue\",\"port\":\"http\"}")).code()).isEqualTo(201);
        assertThat(s.post(base, widget("a", "{\"color\":\"red\"}")).json().get("reason").asText()).isEqualTo("AlreadyExists");

        assertThat(s.get(base + "/a").json().at("/spec/color").asText()).isEqualTo("red");
        JsonNode list = s.get(base).json();
        assertThat(list.get("kind").asText()).isEqualTo("WidgetList");
        assertThat(list.get("apiVersion").asText()).isEqualTo("example.com/v1");
        assertThat(list.get("items")).hasSize(2);
        assertThat(s.get(base + "?labelSelector=app%3Db").json().get("items").findValuesAsText("name")).containsExactly("b");
        assertThat(s.get(base + "?labelSelector=app+in+(a,b)").json().get("items")).hasSize(2);
        assertThat(s.get(base + "?fieldSelector=metadata.name%3Da").json().get("items").findValuesAsText("name")).containsExactly("a");
        assertThat(s.get("/apis/example.com/v1/widgets?fieldSelector=metadata.namespace%3D" + ns).json().get("items")).hasSize(2);
        assertThat(s.get(base + "?fieldSelector=spec.color%3Dblue").json().get("items").findValuesAsText("name"))
                .as("the CRD's selectableFields").containsExactly("b");
        TestServer.Reply unsupported = s.get(base + "?fieldSelector=spec.replicas%3D1");
        assertThat(unsupported.code()).isEqualTo(400);
        assertThat(unsupported.json().get("message").asText()).isEqualTo("field label not supported: spec.replicas");

        TestServer.Reply merge = s.patch(base + "/a", "application/merge-patch+json", "{\"spec\":{\"replicas\":3}}");
        assertThat(merge.code()).as(merge.text()).isEqualTo(200);
        assertThat(merge.json().at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(merge.json().at("/metadata/generation").asInt()).isEqualTo(2);
        TestServer.Reply jsonPatch = s.patch(base + "/a", "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/spec/color\",\"value\":\"green\"}]");
        assertThat(jsonPatch.json().at("/spec/color").asText()).isEqualTo("green");
        TestServer.Reply smp = s.patch(base + "/a", "application/strategic-merge-patch+json", "{\"spec\":{\"replicas\":4}}");
        assertThat(smp.code()).isEqualTo(415);
        assertThat(smp.json().get("message").asText()).isEqualTo("the body of the request was in an unknown format - accepted"
                + " media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");

        JsonNode current = s.get(base + "/a").json();
        String put = current.toString().replace("\"green\"", "\"blue\"");
        assertThat(s.put(base + "/a", put).json().at("/spec/color").asText()).isEqualTo("blue");
        assertThat(s.put(base + "/a", put).code()).as("stale resourceVersion").isEqualTo(409);

        assertThat(s.delete(base + "/a").code()).isEqualTo(200);
        assertThat(s.get(base + "/a").code()).isEqualTo(404);
        assertThat(s.get(base + "/a").json().get("message").asText()).isEqualTo("widgets.example.com \"a\" not found");
    }

    @Test
    void schemaValidationErrors() throws Exception {
        widgets();
        String base = "/apis/example.com/v1/namespaces/" + namespace() + "/widgets";
        TestServer.Reply tooMany = s.post(base, widget("x", "{\"color\":\"red\",\"replicas\":11}"));
        assertThat(tooMany.code()).isEqualTo(422);
        assertThat(tooMany.json().get("reason").asText()).isEqualTo("Invalid");
        assertThat(tooMany.json().get("message").asText()).isEqualTo("Widget.example.com \"x\" is invalid: spec.replicas:"
                + " Invalid value: 11: spec.replicas in body should be less than or equal to 10");
        JsonNode cause = tooMany.json().at("/details/causes/0");
        assertThat(cause.get("field").asText()).isEqualTo("spec.replicas");
        assertThat(tooMany.json().at("/details/kind").asText()).isEqualTo("Widget");
        assertThat(tooMany.json().at("/details/group").asText()).isEqualTo("example.com");

        assertThat(message(base, "{\"color\":\"red\",\"replicas\":-1}"))
                .contains("spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0");
        assertThat(message(base, "{\"color\":\"red\",\"replicas\":\"three\"}"))
                .contains("spec.replicas: Invalid value: \"three\": spec.replicas in body must be of type integer: \"string\"");
        assertThat(message(base, "{\"color\":\"pink\"}"))
                .contains("spec.color: Unsupported value: \"pink\": supported values: \"red\", \"green\", \"blue\"");
        assertThat(message(base, "{}")).contains("spec.color: Required value");
        assertThat(message(base, "{\"color\":\"red\",\"name\":\"a\"}"))
                .contains("spec.name: Invalid value: \"a\": spec.name in body should be at least 2 chars long");
        assertThat(message(base, "{\"color\":\"red\",\"name\":\"abcdefg\"}"))
                .contains("spec.name: Too long: may not be more than 5 bytes");
        assertThat(message(base, "{\"color\":\"red\",\"name\":\"AB\"}"))
                .contains("spec.name: Invalid value: \"AB\": spec.name in body should match '^[a-z]+$'");
        assertThat(message(base, "{\"color\":\"red\",\"tags\":[\"a\",\"b\",\"c\"]}"))
                .contains("spec.tags: Too many: 3: must have at most 2 items");
        assertThat(message(base, "{\"color\":\"red\",\"tags\":[1]}"))
                .contains("spec.tags[0]: Invalid value: 1: spec.tags[0] in body must be of type string: \"integer\"");
        assertThat(message(base, "{\"color\":\"red\",\"labels\":{\"a\":true}}"))
                .contains("spec.labels.a: Invalid value: true: spec.labels.a in body must be of type string: \"boolean\"");
        assertThat(message(base, "{\"color\":\"red\",\"port\":true}")).contains("spec.port");
        assertThat(message(base, "{\"replicas\":20}")).startsWith("Widget.example.com \"x\" is invalid: [");

        assertThat(s.post(base, widget("ok1", "{\"color\":\"red\",\"port\":8080,\"note\":null,\"labels\":{\"a\":\"b\"}}")).code())
                .isEqualTo(201);
        assertThat(s.post(base, widget("ok2", "{\"color\":\"red\",\"name\":null}")).code())
                .as("null of a non-nullable field is pruned").isEqualTo(201);
        assertThat(s.get(base + "/ok2").json().at("/spec").has("name")).isFalse();
    }

    private static String message(String base, String spec) throws Exception {
        TestServer.Reply r = s.post(base, widget("x", spec));
        assertThat(r.code()).as(r.text()).isEqualTo(422);
        return r.json().get("message").asText();
    }

    @Test
    void unknownFieldsArePrunedOrRejected() throws Exception {
        widgets();
        String base = "/apis/example.com/v1/namespaces/" + namespace() + "/widgets";
        TestServer.Reply warn = s.post(base, widget("p", "{\"color\":\"red\",\"foo\":1}").replace("\"spec\"", "\"top\":2,\"spec\""));
        assertThat(warn.code()).isEqualTo(201);
        assertThat(warn.json().at("/spec").has("foo")).isFalse();
        assertThat(warn.json().has("top")).isFalse();
        assertThat(warn.raw().headers().allValues("Warning")).anyMatch(w -> w.contains("unknown field \\\"spec.foo\\\""));
        assertThat(s.get(base + "/p").json().at("/spec").has("foo")).as("never stored").isFalse();

        TestServer.Reply strict = s.send("POST", base + "?fieldValidation=Strict", "application/json",
                widget("q", "{\"color\":\"red\",\"foo\":1}"));
        assertThat(strict.code()).isEqualTo(400);
        assertThat(strict.json().get("message").asText()).contains("strict decoding error: unknown field \"spec.foo\"");

        TestServer.Reply patched = s.patch(base + "/p?fieldValidation=Strict", "application/merge-patch+json",
                "{\"spec\":{\"tags\":[\"a\"],\"bar\":true}}");
        assertThat(patched.code()).isEqualTo(400);
        assertThat(patched.json().get("message").asText()).contains("unknown field \"spec.bar\"");
    }

    @Test
    void statusAndScaleSubresources() throws Exception {
        widgets();
        String base = "/apis/example.com/v1/namespaces/" + namespace() + "/widgets";
        TestServer.Reply created = s.post(base, widget("w", "{\"color\":\"red\",\"replicas\":2}")
                .replace("}}", "},\"status\":{\"replicas\":9}}"));
        assertThat(created.json().has("status")).as("status dropped on create").isFalse();

        TestServer.Reply status = s.patch(base + "/w/status", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":7},\"status\":{\"replicas\":2,\"selector\":\"app=w\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
        assertThat(status.code()).as(status.text()).isEqualTo(200);
        assertThat(status.json().at("/status/replicas").asInt()).isEqualTo(2);
        assertThat(status.json().at("/spec/replicas").asInt()).as("/status ignores spec").isEqualTo(2);

        TestServer.Reply main = s.patch(base + "/w", "application/merge-patch+json", "{\"status\":{\"replicas\":5}}");
        assertThat(main.json().at("/status/replicas").asInt()).as("main writes ignore status").isEqualTo(2);

        JsonNode scale = s.get(base + "/w/scale").json();
        assertThat(scale.get("kind").asText()).isEqualTo("Scale");
        assertThat(scale.get("apiVersion").asText()).isEqualTo("autoscaling/v1");
        assertThat(scale.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(scale.at("/status/replicas").asInt()).isEqualTo(2);
        assertThat(scale.at("/status/selector").asText()).isEqualTo("app=w");
        TestServer.Reply scaled = s.patch(base + "/w/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":4}}");
        assertThat(scaled.code()).as(scaled.text()).isEqualTo(200);
        assertThat(scaled.json().at("/spec/replicas").asInt()).isEqualTo(4);
        assertThat(s.get(base + "/w").json().at("/spec/replicas").asInt()).isEqualTo(4);
        TestServer.Reply tooBig = s.patch(base + "/w/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":40}}");
        assertThat(tooBig.code()).as("the schema still applies through /scale").isEqualTo(422);

        // a CRD without /status: status is an ordinary field
        String plain = crd("plain.example.com", "plains", "Plain").replace("\"status\":{},", "");
        assertThat(s.post(CRDS, plain).code()).isEqualTo(201);
        established("plains.plain.example.com");
        assertThat(s.get("/apis/plain.example.com/v1").json().get("resources").findValuesAsText("name")).doesNotContain("plains/status");
        String plainBase = "/apis/plain.example.com/v1/namespaces/" + namespace() + "/plains";
        TestServer.Reply p = s.post(plainBase, widget("p", "{\"color\":\"red\"}").replace("example.com/v1", "plain.example.com/v1")
                .replace("Widget", "Plain").replace("}}", "},\"status\":{\"replicas\":3}}"));
        assertThat(p.code()).as(p.text()).isEqualTo(201);
        assertThat(p.json().at("/status/replicas").asInt()).isEqualTo(3);
        assertThat(s.get(plainBase + "/p/status").code()).isEqualTo(404);
    }

    @Test
    void printerColumnsInTables() throws Exception {
        widgets();
        String base = "/apis/example.com/v1/namespaces/" + namespace() + "/widgets";
        s.post(base, widget("t", "{\"color\":\"green\",\"replicas\":3}"));
        s.patch(base + "/t/status", "application/merge-patch+json",
                "{\"status\":{\"conditions\":[{\"type\":\"Other\",\"status\":\"False\"},{\"type\":\"Ready\",\"status\":\"True\"}]}}");
        var r = s.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url() + base))
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        JsonNode table = TestServer.JSON.readTree(r.body());
        assertThat(table.get("kind").asText()).isEqualTo("Table");
        assertThat(table.get("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "Replicas", "Color", "Ready");
        assertThat(table.at("/columnDefinitions/1/type").asText()).isEqualTo("integer");
        assertThat(table.at("/rows/0/cells").toString()).isEqualTo("[\"t\",3,\"green\",\"True\"]");

        // without printer columns: Name and Age
        String bare = withoutVersionField(crd("bare.example.com", "bares", "Bare"), "additionalPrinterColumns");
        assertThat(s.post(CRDS, bare).code()).isEqualTo(201);
        established("bares.bare.example.com");
        var r2 = s.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url() + "/apis/bare.example.com/v1/bares"))
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(TestServer.JSON.readTree(r2.body()).get("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "Age");
    }

    @Test
    void watchCustomResources() throws Exception {
        widgets();
        String ns = namespace();
        String base = "/apis/example.com/v1/namespaces/" + ns + "/widgets";
        try (WatchReader watch = new WatchReader(WatchReader.client(), s.url() + base + "?watch=true&labelSelector=app%3Dw1")) {
            s.post(base, widget("w1", "{\"color\":\"red\"}"));
            s.post(base, widget("w2", "{\"color\":\"red\"}"));
            s.patch(base + "/w1", "application/merge-patch+json", "{\"spec\":{\"replicas\":2}}");
            JsonNode added = watch.next();
            assertThat(added.get("type").asText()).isEqualTo("ADDED");
            assertThat(added.at("/object/metadata/name").asText()).isEqualTo("w1");
            JsonNode modified = watch.next();
            assertThat(modified.get("type").asText()).isEqualTo("MODIFIED");
            assertThat(modified.at("/object/spec/replicas").asInt()).isEqualTo(2);
        }
    }

    @Test
    void severalServedVersionsShareObjects() throws Exception {
        JsonNode crd = TestServer.JSON.readTree(crd("multi.example.com", "multis", "Multi"));
        com.fasterxml.jackson.databind.node.ArrayNode versions = (com.fasterxml.jackson.databind.node.ArrayNode) crd.at("/spec/versions");
        com.fasterxml.jackson.databind.node.ObjectNode beta = versions.get(0).deepCopy();
        beta.put("name", "v1beta1").put("storage", false);
        versions.insert(0, beta);
        assertThat(s.post(CRDS, crd.toString()).code()).isEqualTo(201);
        established("multis.multi.example.com");
        assertThat(s.get("/apis/multi.example.com").json().at("/versions").findValuesAsText("version")).containsExactly("v1beta1", "v1");
        String ns = namespace();
        TestServer.Reply created = s.post("/apis/multi.example.com/v1beta1/namespaces/" + ns + "/multis",
                widget("m", "{\"color\":\"red\"}").replace("example.com/v1", "multi.example.com/v1beta1").replace("Widget", "Multi"));
        assertThat(created.code()).as(created.text()).isEqualTo(201);
        TestServer.Reply patched = s.patch("/apis/multi.example.com/v1/namespaces/" + ns + "/multis/m",
                "application/merge-patch+json", "{\"spec\":{\"color\":\"blue\"}}");
        assertThat(patched.code()).as(patched.text()).isEqualTo(200);
        assertThat(patched.json().get("apiVersion").asText()).isEqualTo("multi.example.com/v1");
        JsonNode betaList = s.get("/apis/multi.example.com/v1beta1/namespaces/" + ns + "/multis").json();
        assertThat(betaList.get("items")).hasSize(1);
        assertThat(betaList.at("/items/0/apiVersion").asText()).as("served as the URL's version").isEqualTo("multi.example.com/v1beta1");
        assertThat(s.get("/apis/multi.example.com/v1beta1/namespaces/" + ns + "/multis/m").json().get("apiVersion").asText())
                .isEqualTo("multi.example.com/v1beta1");
        assertThat(s.get("/apis/multi.example.com/v1/namespaces/" + ns + "/multis").json().get("items")).hasSize(1);
        assertThat(s.get(CRDS + "/multis.multi.example.com").json().at("/status/storedVersions").toString()).isEqualTo("[\"v1\"]");
    }

    // ------------------------------------------------------------ lifecycle

    @Test
    void deletingTheCrdDeletesItsObjectsAndTypes() throws Exception {
        assertThat(s.post(CRDS, crd("gone.example.com", "doomeds", "Doomed")).code()).isEqualTo(201);
        established("doomeds.gone.example.com");
        String ns = namespace();
        String base = "/apis/gone.example.com/v1/namespaces/" + ns + "/doomeds";
        for (String n : new String[] {"d1", "d2"}) {
            TestServer.Reply r = s.post(base, widget(n, "{\"color\":\"red\"}").replace("example.com/v1", "gone.example.com/v1")
                    .replace("Widget", "Doomed"));
            assertThat(r.code()).as(r.text()).isEqualTo(201);
        }
        assertThat(s.delete(CRDS + "/doomeds.gone.example.com").code()).isEqualTo(200);
        eventually("the objects are deleted",
                () -> s.store.list(StoreKeys.resourcePrefix("gone.example.com", "doomeds"), null, 0).items().isEmpty());
        assertThat(s.get(base).code()).isEqualTo(404);
        assertThat(s.get("/apis/gone.example.com/v1").code()).isEqualTo(404);
        assertThat(s.get("/openapi/v3").json().get("paths").has("apis/gone.example.com/v1")).isFalse();

        // created again: served again, empty
        assertThat(s.post(CRDS, crd("gone.example.com", "doomeds", "Doomed")).code()).isEqualTo(201);
        established("doomeds.gone.example.com");
        assertThat(s.get(base).json().get("items")).isEmpty();
    }

    @Test
    void crdsWrittenByAnotherMasterAndStoredBeforeStartAreServed() throws Exception {
        // another master writes the CRD straight into the shared store
        String crd = crd("other.example.com", "remotes", "Remote");
        JsonNode node = TestServer.JSON.readTree(crd);
        ((com.fasterxml.jackson.databind.node.ObjectNode) node.get("spec").get("names")).put("listKind", "RemoteList");
        s.store.create(StoreKeys.key("apiextensions.k8s.io", "customresourcedefinitions", null, "remotes.other.example.com"),
                TestServer.JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8));
        established("remotes.other.example.com");
        assertThat(s.get("/apis/other.example.com/v1/remotes").code()).isEqualTo(200);

        // a second API server on the same store serves it as soon as it has started
        try (ApiServer second = new ApiServer(s.store, new ApiServerSettings("127.0.0.1", 0, null))) {
            second.start();
            var r = s.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(second.url() + "/apis/other.example.com/v1/remotes"))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("RemoteList");
        }
    }
}
