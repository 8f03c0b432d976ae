package io.karavel.apiserver.impl.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectorTest {
    @Test
    void labelOperators() {
        Map<String, String> web = Map.of("app", "web", "tier", "front");
        assertThat(LabelSelector.parse("app=web").test(web)).isTrue();
        assertThat(LabelSelector.parse("app==web,tier=front").test(web)).isTrue();
        assertThat(LabelSelector.parse("app!=web").test(web)).isFalse();
        assertThat(LabelSelector.parse("app!=db").test(web)).isTrue();
        assertThat(LabelSelector.parse("tier in (front, back)").test(web)).isTrue();
        assertThat(LabelSelector.parse("tier notin (front,back)").test(web)).isFalse();
        assertThat(LabelSelector.parse("app").test(web)).isTrue();
        assertThat(LabelSelector.parse("!app").test(web)).isFalse();
        assertThat(LabelSelector.parse("!legacy,app in (web)").test(web)).isTrue();
        assertThat(LabelSelector.parse("missing!=x").test(web)).isTrue();
        assertThat(LabelSelector.parse("").test(web)).isTrue();
    }

    @Test
    void badLabelSelector() {
        assertThatThrownBy(() -> LabelSelector.parse("app in (a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LabelSelector.parse("a,,b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fieldSelectors() throws Exception {
        var pod = new ObjectMapper().readTree("{\"metadata\":{\"name\":\"web\",\"namespace\":\"demo\"}}");
        assertThat(FieldSelector.parse("metadata.name=web", FieldSelector.COMMON_FIELDS).test(pod)).isTrue();
        assertThat(FieldSelector.parse("metadata.name==web,metadata.namespace!=demo", FieldSelector.COMMON_FIELDS).test(pod)).isFalse();
        assertThat(FieldSelector.parse("metadata.name=web", FieldSelector.COMMON_FIELDS).pinnedName()).isEqualTo("web");
        assertThatThrownBy(() -> FieldSelector.parse("spec.foo=x", FieldSelector.COMMON_FIELDS))
                .hasMessage("field label not supported: spec.foo");
    }
}
