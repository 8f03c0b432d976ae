package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Protobuf request bodies over HTTP: created, updated, and the errors as Status objects. */
class ProtobufBodyHttpTest {
    private static final String PROTOBUF = "application/vnd.kubernetes.protobuf";
    private static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer();
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static byte[] envelope(String apiVersion, String kind, ByteString raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x6b, 0x38, 0x73, 0x00});
        out.writeBytes(Runtime.Unknown.newBuilder()
                .setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
                .setRaw(raw).build().toByteArray());
        return out.toByteArray();
    }

    private static byte[] configMap(String name, String resourceVersion, String value) {
        Meta.ObjectMeta.Builder meta = Meta.ObjectMeta.newBuilder().setName(name).setNamespace("")
                .setResourceVersion(resourceVersion).setUid("").setGeneration(0);
        return envelope("v1", "ConfigMap",
                V1.ConfigMap.newBuilder().setMetadata(meta).putData("k", value).build().toByteString());
    }

    private static JsonNode send(String method, String path, byte[] body, int expectedCode) throws Exception {
        HttpResponse<String> r = s.http.send(HttpRequest.newBuilder(URI.create(s.url() + path))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", PROTOBUF)
                .header("Accept", PROTOBUF + ", application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedCode);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return TestServer.JSON.readTree(r.body());
    }

    @Test
    void createAndUpdateWithProtobufBodies() throws Exception {
        String base = "/api/v1/namespaces/default/configmaps";
        JsonNode created = send("POST", base, configMap("pb", "", "one"), 201);
        assertThat(created.at("/data/k").asText()).isEqualTo("one");
        assertThat(created.at("/metadata/namespace").asText()).isEqualTo("default");
        String rv = created.at("/metadata/resourceVersion").asText();

        JsonNode updated = send("PUT", base + "/pb", configMap("pb", rv, "two"), 200);
        assertThat(updated.at("/data/k").asText()).isEqualTo("two");
        assertThat(updated.at("/metadata/uid")).isEqualTo(created.at("/metadata/uid"));

        JsonNode conflict = send("PUT", base + "/pb", configMap("pb", rv, "three"), 409);
        assertThat(conflict.get("reason").asText()).isEqualTo("Conflict");
        assertThat(s.get(base + "/pb").json().at("/data/k").asText()).isEqualTo("two");
    }

    @Test
    void malformedBodiesAndUnknownKindsAreStatuses() throws Exception {
        String base = "/api/v1/namespaces/default/configmaps";
        byte[] body = configMap("broken", "", "x");
        JsonNode truncated = send("POST", base, Arrays.copyOf(body, body.length / 2), 400);
        assertThat(truncated.get("kind").asText()).isEqualTo("Status");
        assertThat(truncated.get("reason").asText()).isEqualTo("BadRequest");
        assertThat(truncated.get("message").asText()).startsWith("the body of the request is not valid protobuf: ");

        JsonNode noMagic = send("POST", base, "{\"kind\":\"ConfigMap\"}".getBytes(), 400);
        assertThat(noMagic.get("message").asText()).contains("k8s\\0");

        JsonNode widget = send("POST", base, envelope("example.com/v1", "Widget", ByteString.EMPTY), 415);
        assertThat(widget.get("reason").asText()).isEqualTo("UnsupportedMediaType");
        assertThat(widget.get("message").asText())
                .isEqualTo("no protobuf schema for kind \"Widget\" in version \"example.com/v1\": send it as application/json");

        JsonNode wrongKind = send("POST", base, envelope("v1", "Secret",
                V1.Secret.newBuilder().setMetadata(Meta.ObjectMeta.newBuilder().setName("s")).build().toByteString()), 400);
        assertThat(wrongKind.get("message").asText()).contains("does not match the URL");
        assertThat(s.get(base + "/broken").code()).isEqualTo(404);

        // a field number the schema lacks is an unknown field: rejected when strict, not silently lost
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.writeBytes(V1.ConfigMap.newBuilder().setMetadata(Meta.ObjectMeta.newBuilder().setName("newer"))
                .build().toByteArray());
        raw.writeBytes(new byte[] {(byte) 0x98, 0x06, 0x01}); // field 99, varint 1
        byte[] newer = envelope("v1", "ConfigMap", ByteString.copyFrom(raw.toByteArray()));
        JsonNode strict = send("POST", base + "?fieldValidation=Strict", newer, 400);
        assertThat(strict.get("message").asText()).contains("strict decoding error: unknown field \"protobuf:99\"");
        send("POST", base, newer, 201);
    }
}
