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
    void greaterAndLessThan() {
        Map<String, String> labels = Map.of("replicas", "3", "name", "x");
        assertThat(LabelSelector.parse("replicas>2").test(labels)).isTrue();
        assertThat(LabelSelector.parse("replicas>3").test(labels)).isFalse();
        assertThat(LabelSelector.parse("replicas<4,replicas>2").test(labels)).isTrue();
        assertThat(LabelSelector.parse("name>1").test(labels)).as("not an integer").isFalse();
        assertThat(LabelSelector.parse("absent<9").test(labels)).isFalse();
        assertThatThrownBy(() -> LabelSelector.parse("replicas>x"))
                .hasMessage("unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer");
    }

    @Test
    void keysAndValuesAreLabelKeysAndValues() {
        assertThat(LabelSelector.parse("app.kubernetes.io/name=web,x=").test(Map.of("app.kubernetes.io/name", "web", "x", "")))
                .isTrue();
        assertThatThrownBy(() -> LabelSelector.parse("app=we b")).hasMessageStartingWith(
                "unable to parse requirement: values[0]: Invalid value: \"we b\": a valid label must be an empty string");
        assertThatThrownBy(() -> LabelSelector.parse("env in (a,-b)")).hasMessageStartingWith(
                "unable to parse requirement: values[1]: Invalid value: \"-b\"");
        assertThatThrownBy(() -> LabelSelector.parse("bad key=x")).hasMessageStartingWith(
                "unable to parse requirement: key: Invalid value: \"bad key\"");
        assertThatThrownBy(() -> LabelSelector.parse("env in ()")).hasMessageContaining("values set can't be empty");
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
