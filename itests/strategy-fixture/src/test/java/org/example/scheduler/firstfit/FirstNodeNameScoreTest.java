package org.example.scheduler.firstfit;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.Resources;
import io.karavel.api.scheduler.SchedulingProfile;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FirstNodeNameScoreTest {

    private static NodeInfo node(String name) {
        Node node = new NodeBuilder().withNewMetadata().withName(name).endMetadata().build();
        return new NodeInfo() {
            @Override
            public Node node() {
                return node;
            }

            @Override
            public List<Pod> pods() {
                return List.of();
            }

            @Override
            public Resources allocatable() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Resources requested() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Set<String> usedHostPorts() {
                return Set.of();
            }
        };
    }

    @Test
    void theAlphabeticallyFirstNodeGetsTheTopScoreWhereverItIs() {
        FirstNodeNameScore plugin = new FirstNodeNameScore();
        List<NodeInfo> nodes = List.of(node("node-c"), node("node-a"), node("node-b"));
        long[] scores = new long[3];
        for (int i = 0; i < 3; i++) {
            scores[i] = plugin.score(null, nodes.get(i));
        }
        plugin.normalize(null, nodes, scores);
        assertThat(scores).containsExactly(0, 100, 0);
    }

    @Test
    void theProfileRunsTheBuiltInFiltersAndNamesThePlugin() {
        FirstFitProfile profile = new FirstFitProfile();
        assertThat(profile.name()).isEqualTo("firstfit");
        assertThat(profile.filters()).isEqualTo(SchedulingProfile.BUILTIN_FILTERS);
        assertThat(profile.scores()).containsOnlyKeys(new FirstNodeNameScore().name());
    }
}
