package io.karavel.apiserver.impl.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Container defaulting, node agent address choice and URL building, without a server. */
class PodStreamTargetTest {

    static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    static JsonNode pod(String annotations, String containers, String initContainers) throws Exception {
        return json("{\"metadata\":{\"annotations\":" + annotations + "},\"spec\":{\"containers\":" + containers
                + ",\"initContainers\":" + initContainers + "}}");
    }

    @Test
    void theOnlyContainerIsTheDefault() throws Exception {
        assertThat(PodStreamTarget.container(pod("{}", "[{\"name\":\"app\"}]", "[]"), "p", null)).isEqualTo("app");
        assertThat(PodStreamTarget.container(pod("{}", "[{\"name\":\"app\"}]", "[]"), "p", "")).isEqualTo("app");
    }

    @Test
    void theAnnotationPicksAmongSeveral() throws Exception {
        JsonNode pod = pod("{\"kubectl.kubernetes.io/default-container\":\"b\"}", "[{\"name\":\"a\"},{\"name\":\"b\"}]", "[]");
        assertThat(PodStreamTarget.container(pod, "p", null)).isEqualTo("b");
        assertThat(PodStreamTarget.container(pod, "p", "a")).isEqualTo("a");
    }

    @Test
    void severalContainersAndNoChoiceIsABadRequest() throws Exception {
        assertThatThrownBy(() -> PodStreamTarget.container(pod("{}", "[{\"name\":\"a\"},{\"name\":\"b\"}]", "[]"), "p", null))
                .isInstanceOf(ApiException.class)
                .hasMessage("a container name must be specified for pod p, choose one of: [a b]");
        assertThatThrownBy(() -> PodStreamTarget.container(
                pod("{}", "[{\"name\":\"a\"},{\"name\":\"b\"}]", "[{\"name\":\"init\"}]"), "p", null))
                .hasMessage("a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [init]");
    }

    @Test
    void anUnknownContainerIsABadRequestAndInitContainersAreKnown() throws Exception {
        JsonNode pod = pod("{}", "[{\"name\":\"a\"}]", "[{\"name\":\"init\"}]");
        assertThat(PodStreamTarget.container(pod, "p", "init")).isEqualTo("init");
        assertThatThrownBy(() -> PodStreamTarget.container(pod, "p", "x"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400))
                .hasMessage("container x is not valid for pod p");
    }

    @Test
    void internalIpIsPreferredThenHostname() throws Exception {
        assertThat(PodStreamTarget.address(json("[{\"type\":\"Hostname\",\"address\":\"n1\"},"
                + "{\"type\":\"ExternalIP\",\"address\":\"1.2.3.4\"},{\"type\":\"InternalIP\",\"address\":\"10.0.0.1\"}]")))
                .isEqualTo("10.0.0.1");
        assertThat(PodStreamTarget.address(json("[{\"type\":\"ExternalIP\",\"address\":\"1.2.3.4\"},"
                + "{\"type\":\"Hostname\",\"address\":\"n1\"}]"))).isEqualTo("n1");
        assertThat(PodStreamTarget.address(json("[]"))).isNull();
    }

    @Test
    void kubeletUrlsEncodeAndRepeatParameters() {
        PodStreamTarget target = new PodStreamTarget("default", "web", "app", "n1", "::1", 10250);
        Map<String, List<String>> query = new LinkedHashMap<>();
        query.put("command", List.of("sh", "-c", "echo a&b; exit 3"));
        query.put("stdout", List.of("true"));
        assertThat(target.kubeletUri("ws", "exec", query).toString()).isEqualTo(
                "ws://[::1]:10250/exec/default/web/app?command=sh&command=-c&command=echo%20a%26b%3B%20exit%203&stdout=true");
    }
}
