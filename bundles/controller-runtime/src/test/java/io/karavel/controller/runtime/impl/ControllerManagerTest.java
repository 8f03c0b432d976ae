package io.karavel.controller.runtime.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.ControllerInfo;
import io.karavel.api.controller.ObjectKey;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runtime over the real in-memory store and API server, running a toy controller. */
class ControllerManagerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private MapDbStore store;
    private ApiServer server;
    private ObjectClient client;
    private TestElection election;
    private ControllerManager manager;
    private final ConfigMapCopier copier = new ConfigMapCopier();

    @BeforeEach
    void start() throws Exception {
        store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        server = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, null));
        server.start();
        client = server.objectClient();
        election = new TestElection(true);
        ControllerManager.Settings defaults = ControllerManager.Settings.defaults();
        manager = new ControllerManager(store, client, election, new ControllerManager.Settings(null,
                defaults.expectationsTtl(), defaults.crdRescan(), Duration.ofSeconds(5), defaults.informers()),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
        server.close();
        store.close();
    }

    private ConfigMap source(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("default").withName(name)
                .addToLabels("copy", "true").endMetadata().withData(data).build();
    }

    private Optional<ConfigMap> copyOf(String name) {
        return client.get(ConfigMap.class, "default", name + "-copy");
    }

    private ControllerInfo info() {
        return manager.controllers().stream().filter(c -> c.name().equals("configmap-copier")).findFirst()
                .orElseThrow();
    }

    @Test
    void reactsToCreateUpdateAndDelete() throws Exception {
        manager.add(copier, "test-bundle");
        client.create(source("a", Map.of("k", "1")));

        eventually("the copy is created", WAIT, () -> copyOf("a").map(c -> c.getData().equals(Map.of("k", "1")))
                .orElse(false));
        ConfigMap a = client.get(ConfigMap.class, "default", "a").orElseThrow();
        client.update(new ConfigMapBuilder(a).withData(Map.of("k", "2")).build());
        eventually("the copy follows the update", WAIT,
                () -> copyOf("a").map(c -> c.getData().equals(Map.of("k", "2"))).orElse(false));
        client.delete(ConfigMap.class, "default", "a", null);
        eventually("the copy is deleted", WAIT, () -> copyOf("a").isEmpty());

        ControllerInfo info = info();
        assertThat(info.bundle()).isEqualTo("test-bundle");
        assertThat(info.state()).isEqualTo("running");
        assertThat(info.workers()).isEqualTo(2);
        assertThat(info.reconciles()).isGreaterThanOrEqualTo(3);
        assertThat(manager.leading()).isTrue();
    }

    @Test
    void ownedCreationsAreObservedAgainstExpectations() throws Exception {
        manager.add(copier);
        client.create(source("a", Map.of("k", "1")));
        eventually("the copy is created", WAIT, () -> copyOf("a").isPresent());

        ControllerExpectations expectations = manager.expectations(copier);
        eventually("the copy's creation is observed", WAIT, () -> expectations.satisfied(new ObjectKey("default", "a")));
        assertThat(client.list(ConfigMap.class, "default")).extracting(c -> c.getMetadata().getName())
                .containsExactlyInAnyOrder("a", "a-copy");
    }

    @Test
    void aFailingReconcileIsRetriedWithBackOff() throws Exception {
        copier.failuresLeft.put("a", new AtomicInteger(3));
        manager.add(copier);
        client.create(source("a", Map.of("k", "1")));

        eventually("the copy is created after the failures", WAIT, () -> copyOf("a").isPresent());
        assertThat(info().errors()).isEqualTo(3);
        assertThat(info().lastError()).contains("injected failure for default/a");
    }

    @Test
    void losingLeadershipPausesTheWorkersAndRegainingItResumes() throws Exception {
        manager.add(copier);
        eventually("running", WAIT, () -> info().state().equals("running"));
        election.set(false);
        eventually("paused", WAIT, () -> info().state().equals("waiting-for-leadership"));
        assertThat(manager.leading()).isFalse();
        int before = copier.reconciles.get();

        client.create(source("a", Map.of("k", "1")));
        eventually("the key waits in the queue", WAIT, () -> info().queueDepth() >= 1);
        assertThat(copier.reconciles.get()).isEqualTo(before);
        assertThat(copyOf("a")).isEmpty();

        election.set(true);
        eventually("the copy is created once leading again", WAIT, () -> copyOf("a").isPresent());
    }

    @Test
    void removingTheReconcilerDrainsItsReconcileAndStopsIt() throws Exception {
        copier.blockOn = "slow";
        copier.release = new CountDownLatch(1);
        manager.add(copier);
        client.create(source("slow", Map.of("k", "1")));
        assertThat(copier.entered.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        Thread remover = new Thread(() -> manager.remove(copier));
        remover.start();
        remover.join(300);
        assertThat(remover.isAlive()).as("remove waits for the running reconcile").isTrue();
        copier.release.countDown();
        remover.join(WAIT.toMillis());
        assertThat(remover.isAlive()).isFalse();
        assertThat(copyOf("slow")).as("the drained reconcile completed").isPresent();
        assertThat(manager.controllers()).isEmpty();

        int after = copier.reconciles.get();
        client.create(source("b", Map.of("k", "1")));
        eventually("the shared informer saw b", WAIT,
                () -> manager.informers().of(ConfigMap.class).get("default", "b").isPresent());
        assertThat(copier.reconciles.get()).isEqualTo(after);
        assertThat(copyOf("b")).isEmpty();
    }

    @Test
    void eventsAreWrittenAndRepeatsCounted() throws Exception {
        ConfigMap a = client.create(source("a", Map.of("k", "1")));
        var recorder = manager.informers().recorder("tester");
        recorder.event(a, "Normal", "Poked", "poked once");
        recorder.event(a, "Normal", "Poked", "poked once");
        recorder.event(a, "Warning", "Other", "something else");

        eventually("two Events, the repeat counted", WAIT, () -> {
            List<Event> events = client.list(Event.class, "default");
            return events.size() == 2 && events.stream().anyMatch(e -> e.getReason().equals("Poked")
                    && Integer.valueOf(2).equals(e.getCount()));
        });
        Event poked = client.list(Event.class, "default").stream().filter(e -> e.getReason().equals("Poked"))
                .findFirst().orElseThrow();
        assertThat(poked.getInvolvedObject().getName()).isEqualTo("a");
        assertThat(poked.getInvolvedObject().getUid()).isEqualTo(a.getMetadata().getUid());
        assertThat(poked.getSource().getComponent()).isEqualTo("tester");
        assertThat(poked.getReportingComponent()).isEqualTo("tester");
        assertThat(poked.getType()).isEqualTo("Normal");
        assertThat(poked.getFirstTimestamp()).isNotNull();
    }
}
