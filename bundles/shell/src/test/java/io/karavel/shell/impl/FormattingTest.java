package io.karavel.shell.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ages, tables, selectors and YAML as kubectl writes them. */
class FormattingTest {

    @Test
    void agesFollowKubectlsHumanDuration() {
        assertThat(Age.human(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
        assertThat(Age.human(Duration.ofMillis(-500))).isEqualTo("0s");
        assertThat(Age.human(Duration.ofSeconds(119))).isEqualTo("119s");
        assertThat(Age.human(Duration.ofSeconds(192))).isEqualTo("3m12s");
        assertThat(Age.human(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(Age.human(Duration.ofMinutes(150))).isEqualTo("150m");
        assertThat(Age.human(Duration.ofMinutes(5 * 60 + 10))).isEqualTo("5h10m");
        assertThat(Age.human(Duration.ofHours(30))).isEqualTo("30h");
        assertThat(Age.human(Duration.ofHours(3 * 24 + 4))).isEqualTo("3d4h");
        assertThat(Age.human(Duration.ofDays(400))).isEqualTo("400d");
        assertThat(Age.human(Duration.ofDays(3 * 365 + 30))).isEqualTo("3y30d");
        assertThat(Age.human(Duration.ofDays(9 * 365))).isEqualTo("9y");
        assertThat(Age.since("not a time", java.time.Instant.now())).isEqualTo("<unknown>");
    }

    @Test
    void tablesAlignColumnsWithThreeSpacesAndNoTrailingBlanks() {
        KubeTable table = new KubeTable(List.of("NAME", "READY", "AGE"));
        table.add(List.of("web-1", "1/1", "5m"));
        table.add(List.of("a", "0/1", "10s"));
        assertThat(table.lines()).containsExactly(
                "NAME    READY   AGE",
                "web-1   1/1     5m",
                "a       0/1     10s");
        assertThatThrownBy(() -> table.add(List.of("too", "few"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void labelSelectorsMatchEqualitySetAndExistenceRequirements() {
        Map<String, String> web = Map.of("app", "web", "tier", "front");
        assertThat(LabelSelector.parse("app=web").test(web)).isTrue();
        assertThat(LabelSelector.parse("app==web,tier!=db").test(web)).isTrue();
        assertThat(LabelSelector.parse("app=db").test(web)).isFalse();
        assertThat(LabelSelector.parse("tier in (front, back),app").test(web)).isTrue();
        assertThat(LabelSelector.parse("tier notin (front)").test(web)).isFalse();
        assertThat(LabelSelector.parse("!canary").test(web)).isTrue();
        assertThat(LabelSelector.parse("app").test(Map.of())).isFalse();
        assertThat(LabelSelector.parse("").test(null)).isTrue();
        assertThatThrownBy(() -> LabelSelector.parse("a b=c")).hasMessageContaining("unable to parse requirement");
    }

    @Test
    void yamlIsBlockStyleWithSequencesAtTheirKeysIndentAndQuotesWhatWouldChangeMeaning() throws Exception {
        JsonNode tree = Json.MAPPER.readTree("""
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"version":"1.0","on":"yes"}},
                 "spec":{"containers":[{"name":"c","args":["sh","-c","echo a: b"],"ports":[]}],"empty":{}},
                 "data":{"multi":"line1\\nline2","blank":""}, "count": 3, "flag": true}""");
        assertThat(Yaml.write(tree)).isEqualTo("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                  labels:
                    version: '1.0'
                    'on': 'yes'
                spec:
                  containers:
                  - name: c
                    args:
                    - sh
                    - '-c'
                    - 'echo a: b'
                    ports: []
                  empty: {}
                data:
                  multi: "line1\\nline2"
                  blank: ''
                count: 3
                flag: true
                """);
    }
}
