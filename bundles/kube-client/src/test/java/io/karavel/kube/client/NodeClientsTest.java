package io.karavel.kube.client;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node client over several masters: real HTTP servers on loopback ({@link FakeMaster}) sharing
 * one replicated state; a master is stopped or made to answer 503 and the client carries on.
 */
class NodeClientsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String CONFIGMAPS = "/api/v1/namespaces/default/configmaps";

    private final SharedObjects objects = new SharedObjects();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void apiServerUrlsKeepTheSingleAndEmptyMeanings() {
        assertThat(NodeClients.apiServerUrls("", 6443)).containsExactly("http://127.0.0.1:6443");
        assertThat(NodeClients.apiServerUrls(null, 7000)).containsExactly("http://127.0.0.1:7000");
        assertThat(NodeClients.apiServerUrls(" http://10.0.0.1:6443/ ", 6443)).containsExactly("http://10.0.0.1:6443");
    }

    @Test
    void apiServerUrlsListTheMastersInOrder() {
        assertThat(NodeClients.apiServerUrls("http://10.0.0.2:6443, http://10.0.0.1:6443,,http://10.0.0.2:6443/", 6443))
                .containsExactly("http://10.0.0.2:6443", "http://10.0.0.1:6443");
        assertThatThrownBy(() -> NodeClients.apiServerUrls("http://10.0.0.1:6443,10.0.0.2:6443", 6443))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.0.2:6443");
    }

    @Test
    void requestsAndAnInformerMoveToTheNextMasterWhenOneStops() throws Exception {
        FakeMaster first = master();
        FakeMaster second = master();
        KubernetesClient client = client(first, second);
        create(client, "one");
        SharedIndexInformer<ConfigMap> informer = inform(client);
        eventually("the informer lists one", TIMEOUT, () -> has(informer, "one"));
        eventually("the informer watches the first master", TIMEOUT, () -> first.openWatches() == 1);
        assertThat(first.requests("POST " + CONFIGMAPS)).isEqualTo(1);
        assertThat(second.requests()).as("sticky to the first master").isZero();

        first.stop();

        // written through another master, and no request of this client moves it first: the
        // informer's own reconnection finds the second master
        objects.create("two");
        eventually("the informer sees two", TIMEOUT, () -> has(informer, "two"));
        assertThat(second.requests("GET " + CONFIGMAPS)).as("list or watch on the second master").isPositive();
        create(client, "three");
        assertThat(second.requests("POST " + CONFIGMAPS)).isEqualTo(1);
        replace(client, "three", "again");
        assertThat(client.configMaps().inNamespace("default").withName("three").get().getData())
                .containsEntry("key", "again");
        eventually("the informer sees the update", TIMEOUT,
                () -> has(informer, "three") && informer.getStore().getByKey("default/three").getData().get("key").equals("again"));
    }

    @Test
    void a503MovesTheClientToTheNextMasterWhereItStays() throws Exception {
        FakeMaster first = master();
        FakeMaster second = master();
        KubernetesClient client = client(first, second);
        create(client, "one");
        SharedIndexInformer<ConfigMap> informer = inform(client);
        eventually("the informer lists one", TIMEOUT, () -> has(informer, "one"));
        eventually("the informer watches the first master", TIMEOUT, () -> first.openWatches() == 1);

        first.unavailable(true);

        // the first master ends its watch and refuses the informer's next one
        objects.create("two");
        eventually("the informer sees two", TIMEOUT, () -> has(informer, "two"));
        assertThat(first.requests("GET " + CONFIGMAPS)).as("the initial list and watch, then one refused")
                .isGreaterThanOrEqualTo(3);
        create(client, "three");
        assertThat(first.requests("POST " + CONFIGMAPS)).as("the client moved with its informer").isEqualTo(1);
        assertThat(second.requests("POST " + CONFIGMAPS)).isEqualTo(1);
        eventually("the informer sees three", TIMEOUT, () -> has(informer, "three"));

        first.unavailable(false);
        long before = first.requests();
        create(client, "four");
        assertThat(client.configMaps().inNamespace("default").withName("one").get()).isNotNull();
        eventually("the informer sees four", TIMEOUT, () -> has(informer, "four"));
        assertThat(first.requests()).as("no move back while the second master answers").isEqualTo(before);
    }

    @Test
    void aPausedMasterIsLeftAtTheRequestTimeoutAndItsWatchesWithIt() throws Exception {
        FakeMaster first = master();
        FakeMaster second = master();
        KubernetesClient client = track(NodeClients.forApiServers(List.of(first.url(), second.url()), 1_000));
        create(client, "one");
        SharedIndexInformer<ConfigMap> informer = inform(client);
        eventually("the informer lists one", TIMEOUT, () -> has(informer, "one"));
        eventually("the informer watches the first master", TIMEOUT, () -> first.openWatches() == 1);

        first.pause();

        // a request (a lease renewal, say) times out on the paused master and moves the client
        assertThat(client.configMaps().inNamespace("default").withName("one").get()).isNotNull();
        assertThat(second.requests("GET " + CONFIGMAPS + "/one")).isEqualTo(1);
        // the informer's watch, silent on the paused master, is ended and reconnects to the second
        objects.create("two");
        eventually("the informer sees two", TIMEOUT, () -> has(informer, "two"));
    }

    @Test
    void oneRequestGoesOnPastSeveralFailedMasters() throws Exception {
        FakeMaster first = master();
        FakeMaster second = master();
        FakeMaster third = master();
        KubernetesClient client = client(first, second, third);
        objects.create("one");
        first.stop();
        second.unavailable(true);

        assertThat(client.configMaps().inNamespace("default").withName("one").get().getData()).containsEntry("key", "one");
        assertThat(second.requests("GET " + CONFIGMAPS + "/one")).isEqualTo(1);
        assertThat(third.requests("GET " + CONFIGMAPS + "/one")).isEqualTo(1);
    }

    @Test
    void aRequestTriesEachMasterOnceThenFails() throws Exception {
        FakeMaster first = master();
        FakeMaster second = master();
        FakeMaster third = master();
        KubernetesClient client = client(first, second, third);
        for (FakeMaster master : List.of(first, second, third)) {
            master.unavailable(true);
        }

        assertThatThrownBy(() -> client.configMaps().inNamespace("default").withName("one").get())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(503));
        for (FakeMaster master : List.of(first, second, third)) {
            assertThat(master.requests("GET " + CONFIGMAPS + "/one")).isEqualTo(1);
        }
    }

    @Test
    void oneUrlIsASingleMasterClient() throws Exception {
        FakeMaster only = master();
        KubernetesClient client = track(NodeClients.forApiServer(only.url()));
        create(client, "one");
        only.unavailable(true);
        assertThatThrownBy(() -> client.configMaps().inNamespace("default").withName("one").get())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(503));
        assertThat(only.requests("GET " + CONFIGMAPS + "/one")).as("one retry, as before HA").isEqualTo(2);
    }

    private FakeMaster master() throws Exception {
        return track(new FakeMaster(objects));
    }

    private KubernetesClient client(FakeMaster... masters) {
        return track(NodeClients.forApiServers(Stream.of(masters).map(FakeMaster::url).toList()));
    }

    private SharedIndexInformer<ConfigMap> inform(KubernetesClient client) {
        return track(client.configMaps().inNamespace("default").inform());
    }

    private static void create(KubernetesClient client, String name) {
        client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                .endMetadata().addToData("key", name).build()).create();
    }

    private static void replace(KubernetesClient client, String name, String value) {
        ConfigMap current = client.configMaps().inNamespace("default").withName(name).get();
        current.setData(java.util.Map.of("key", value));
        client.configMaps().inNamespace("default").resource(current).update();
    }

    private static boolean has(SharedIndexInformer<ConfigMap> informer, String name) {
        return informer.getStore().getByKey("default/" + name) != null;
    }

    private <T extends AutoCloseable> T track(T closeable) {
        toClose.add(closeable);
        return closeable;
    }
}
