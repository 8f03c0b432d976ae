package io.karavel.shell.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.cluster.ControlPlaneStatus;
import io.karavel.api.cluster.MasterStatus;
import io.karavel.api.cluster.Role;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.support.CommandException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The commands as actions (fields set as Karaf would) against the real API server and store,
 * in memory: what they print and their one-line errors.
 */
class CommandsTest {

    private static MapDbStore store;
    private static ApiServer server;
    private static ObjectClient client;

    @BeforeAll
    static void start() throws Exception {
        store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        server = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, null));
        server.start();
        client = server.objectClient();
        client.create(new NamespaceBuilder().withNewMetadata().withName("demo").endMetadata().build());
        client.create(new ConfigMapBuilder().withNewMetadata().withNamespace("demo").withName("settings")
                .addToLabels("app", "web").endMetadata().withData(Map.of("a", "1", "b", "2")).build());
        client.create(new ConfigMapBuilder().withNewMetadata().withNamespace("demo").withName("other").endMetadata().build());
        client.create(new NodeBuilder().withNewMetadata().withName("n1")
                .addToLabels(NodeRuntimes.CURRENT_LABEL, "process")
                .addToAnnotations(NodeRuntimes.AVAILABLE_ANNOTATION, "process,simulated").endMetadata().build());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        store.close();
    }

    /** Runs an action and returns what it printed on standard output. */
    private static String run(Action action) throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            action.execute();
        } finally {
            System.setOut(out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static List<String[]> rows(String output) {
        return output.lines().map(l -> l.split("\\s{2,}")).toList();
    }

    private static GetCommand get(String kind, String name) {
        GetCommand get = new GetCommand();
        get.client = client;
        get.kind = kind;
        get.name = name;
        return get;
    }

    @Test
    void getListsWithKubectlColumnsAndFilters() throws Exception {
        GetCommand get = get("cm", null);
        get.namespace = "demo";
        get.selector = "app=web";
        List<String[]> rows = rows(run(get));
        assertThat(rows.get(0)).containsExactly("NAME", "DATA", "AGE");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1)[0]).isEqualTo("settings");
        assertThat(rows.get(1)[1]).isEqualTo("2");

        GetCommand all = get("configmaps", null);
        all.allNamespaces = true;
        List<String[]> everywhere = rows(run(all));
        assertThat(everywhere.get(0)).containsExactly("NAMESPACE", "NAME", "DATA", "AGE");
        assertThat(everywhere.stream().map(r -> r[0] + "/" + r[1])).contains("demo/other", "demo/settings");
    }

    @Test
    void getOneObjectAsYamlJsonAndName() throws Exception {
        GetCommand yaml = get("configmap", "settings");
        yaml.namespace = "demo";
        yaml.output = "yaml";
        String text = run(yaml);
        assertThat(text).startsWith("apiVersion: v1\nkind: ConfigMap\n").contains("  name: settings\n", "  a: '1'\n");

        GetCommand json = get("cm/settings", null);
        json.namespace = "demo";
        json.output = "json";
        assertThat(Json.MAPPER.readTree(run(json)).path("data").path("b").asText()).isEqualTo("2");

        GetCommand name = get("ns", null);
        name.output = "name";
        assertThat(run(name).lines()).contains("namespace/demo", "namespace/default");
    }

    @Test
    void optionsMayFollowTheArgumentsAsWithKubectl() throws Exception {
        // Karaf stops reading options at the first argument: `get cm -n demo -o name` arrives as words
        GetCommand get = get("cm", "-n");
        get.more = List.of("demo", "--output=name", "-l", "app=web");
        assertThat(run(get)).isEqualTo("configmap/settings\n");

        GetCommand unknown = get("cm", "--colour");
        assertThatThrownBy(() -> run(unknown)).hasMessage("error: unknown flag: --colour");
        GetCommand twoNames = get("cm", "a");
        twoNames.more = List.of("b");
        assertThatThrownBy(() -> run(twoNames)).hasMessage("error: expected one name, got: a b");
    }

    @Test
    void errorsAreOneLineLikeKubectl() {
        assertThatThrownBy(() -> run(get("foo", null)))
                .isInstanceOf(CommandException.class)
                .hasMessage("error: the server doesn't have a resource type \"foo\"");
        GetCommand missingNamespace = get("pods", null);
        missingNamespace.namespace = "nope";
        assertThatThrownBy(() -> run(missingNamespace))
                .hasMessage("Error from server (NotFound): namespaces \"nope\" not found");
        assertThatThrownBy(() -> run(get("deploy", "nothing")))
                .hasMessage("Error from server (NotFound): deployments.apps \"nothing\" not found");
        GetCommand noClient = get("pods", null);
        noClient.client = null;
        assertThatThrownBy(() -> run(noClient)).hasMessageContaining("master and all-in-one profiles").hasMessageNotContaining("\n");
    }

    @Test
    void describeShowsFieldsAndEvents() throws Exception {
        DescribeCommand describe = new DescribeCommand();
        describe.client = client;
        describe.kind = "cm";
        describe.name = "settings";
        describe.namespace = "demo";
        String text = run(describe);
        assertThat(text).contains("Name:         settings\n", "Namespace:    demo\n", "Labels:       app=web\n", "Kind:         ConfigMap\n",
                "Data:\n", "  a: '1'\n", "Events:  <none>");
    }

    @Test
    void scaleAndDeleteChangeTheObject() throws Exception {
        client.create(new DeploymentBuilder().withNewMetadata().withNamespace("demo").withName("web").endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .endTemplate().endSpec().build());
        ScaleCommand scale = new ScaleCommand();
        scale.client = client;
        scale.kind = "deploy";
        scale.name = "web";
        scale.namespace = "demo";
        scale.replicas = 4;
        assertThat(run(scale)).isEqualTo("deployment.apps/web scaled\n");
        assertThat(client.get(Deployment.class, "demo", "web").orElseThrow().getSpec().getReplicas()).isEqualTo(4);

        DeleteCommand delete = new DeleteCommand();
        delete.client = client;
        delete.kind = "deployments";
        delete.names = List.of("web");
        delete.namespace = "demo";
        assertThat(run(delete)).isEqualTo("deployment.apps \"web\" deleted\n");
        assertThatThrownBy(() -> run(delete)).hasMessage("Error from server (NotFound): deployments.apps \"web\" not found");
    }

    @Test
    void cordonRuntimesAndDrain() throws Exception {
        NodeCordonCommand cordon = new NodeCordonCommand();
        cordon.client = client;
        cordon.node = "n1";
        assertThat(run(cordon)).isEqualTo("node/n1 cordoned\n");
        assertThat(run(cordon)).isEqualTo("node/n1 already cordoned\n");
        NodeUncordonCommand uncordon = new NodeUncordonCommand();
        uncordon.client = client;
        uncordon.node = "n1";
        assertThat(run(uncordon)).isEqualTo("node/n1 uncordoned\n");
        assertThat(client.get(Node.class, null, "n1").orElseThrow().getSpec().getUnschedulable()).isNotEqualTo(Boolean.TRUE);

        RuntimeSetCommand set = new RuntimeSetCommand();
        set.client = client;
        set.node = "n1";
        set.runtime = "podman";
        assertThatThrownBy(() -> run(set))
                .hasMessage("error: runtime \"podman\" is not available on node \"n1\" (available: process, simulated)");
        set.runtime = "simulated";
        assertThat(run(set)).isEqualTo("node/n1 runtime-request set to simulated (current: process)\n");

        RuntimeListCommand list = new RuntimeListCommand();
        list.client = client;
        List<String[]> rows = rows(run(list));
        assertThat(rows.get(0)).containsExactly("NODE", "CURRENT", "AVAILABLE", "REQUESTED");
        assertThat(Arrays.asList(rows.get(1))).containsExactly("n1", "process", "process,simulated", "simulated");

        // a bare pod blocks the drain (after the cordon); with --force it goes
        client.create(new PodBuilder().withNewMetadata().withNamespace("demo").withName("bare").endMetadata()
                .withNewSpec().withNodeName("n1").withTerminationGracePeriodSeconds(0L)
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build());
        NodeDrainCommand drain = new NodeDrainCommand();
        drain.client = client;
        drain.node = "n1";
        assertThatThrownBy(() -> run(drain)).hasMessageContaining("cannot delete Pods that declare no controller")
                .hasMessageContaining("demo/bare");
        assertThat(client.get(Node.class, null, "n1").orElseThrow().getSpec().getUnschedulable()).isTrue();
        drain.force = true;
        drain.timeout = "20s";
        // without a node agent, nothing confirms the pod stopped: the grace period of 0 deletes it at once
        String output = run(drain);
        assertThat(output).contains("evicting pod demo/bare", "pod/bare evicted", "node/n1 drained");
        assertThat(client.get(Pod.class, "demo", "bare")).isEmpty();
        run(uncordon);
    }

    @Test
    void nodeListShowsRuntimeAndPods() throws Exception {
        NodeListCommand list = new NodeListCommand();
        list.client = client;
        List<String[]> rows = rows(run(list));
        assertThat(rows.get(0)).containsExactly("NAME", "STATUS", "ROLES", "RUNTIME", "PODS", "VERSION", "AGE");
        assertThat(rows.get(1)[0]).isEqualTo("n1");
        assertThat(rows.get(1)[3]).isEqualTo("process");
    }

    @Test
    void clusterStatusShowsTheLeaderAndEveryMaster() throws Exception {
        Instant now = Instant.parse("2026-11-26T10:00:00Z");
        ControlPlaneStatus follower = new ControlPlaneStatus("m2", Role.FOLLOWER, 1040, "m1", 1043, 7, List.of(
                new MasterStatus("m1", "127.0.0.1:5701", "http://127.0.0.1:6443", Role.LEADER, 1043, now.minusSeconds(1).toEpochMilli()),
                new MasterStatus("m2", "127.0.0.1:5702", "http://127.0.0.1:6444", Role.FOLLOWER, 1038, now.minusSeconds(2).toEpochMilli()),
                new MasterStatus("m3", "127.0.0.1:5703", "", Role.CATCHING_UP, 900, now.minusSeconds(200).toEpochMilli())));
        assertThat(ClusterStatusCommand.render(follower, now)).isEqualTo("""
                leader: m1  term: 7
                NAME   ROLE          REVISION   LAG   CLUSTER-ADDRESS   API-URL                 LAST-SEEN
                m1     LEADER        1043       0     127.0.0.1:5701    http://127.0.0.1:6443   1s
                m2*    FOLLOWER      1040       3     127.0.0.1:5702    http://127.0.0.1:6444   2s
                m3     CATCHING_UP   900        143   127.0.0.1:5703    <none>                  3m20s
                """);

        ControlPlaneStatus leaderless = new ControlPlaneStatus("m2", Role.UNAVAILABLE, 1043, "", 1043, 0, List.of(
                new MasterStatus("m2", "127.0.0.1:5702", "http://127.0.0.1:6444", Role.UNAVAILABLE, 1043, now.toEpochMilli())));
        assertThat(ClusterStatusCommand.render(leaderless, now).lines()).containsExactly(
                "leader: none",
                "NAME   ROLE          REVISION   LAG         CLUSTER-ADDRESS   API-URL                 LAST-SEEN",
                "m2*    UNAVAILABLE   1043       <unknown>   127.0.0.1:5702    http://127.0.0.1:6444   0s");

        ClusterStatusCommand command = new ClusterStatusCommand();
        command.controlPlane = () -> follower;
        List<String[]> rows = rows(run(command));
        assertThat(rows.get(0)).containsExactly("leader: m1", "term: 7");
        assertThat(rows.get(1)).containsExactly(ClusterStatusCommand.HEADERS.toArray(String[]::new));
        assertThat(rows.get(3)[0]).isEqualTo("m2*");
    }

    @Test
    void clusterStatusOfASingleMasterIsOneLine() throws Exception {
        ClusterStatusCommand command = new ClusterStatusCommand();
        command.store = store;
        assertThat(run(command)).isEqualTo("standalone master (no HA control plane)  revision: " + store.currentRevision() + "\n");
        assertThat(ClusterStatusCommand.standalone(42, "http://127.0.0.1:6443"))
                .isEqualTo("standalone master (no HA control plane)  revision: 42  api-url: http://127.0.0.1:6443");
        command.store = null;
        assertThatThrownBy(() -> run(command)).hasMessage("error: karavel:cluster-status needs a master's store, which runs in"
                + " the master and all-in-one profiles; this instance has none");
    }
}
