package io.karavel.controller.runtime.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Keys come back without events: {@link Result#requeueAfter} and the spec's resync period. */
class RequeueTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private MapDbStore store;
    private ApiServer server;
    private ControllerManager manager;

    @BeforeEach
    void start() throws Exception {
        store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        server = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, null));
        server.start();
        manager = new ControllerManager(store, server.objectClient(), null);
        server.objectClient().create(new ConfigMapBuilder().withNewMetadata().withNamespace("default")
                .withName("requeued").endMetadata().build());
        server.objectClient().create(new ConfigMapBuilder().withNewMetadata().withNamespace("default")
                .withName("resynced").endMetadata().build());
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
        server.close();
        store.close();
    }

    /** Counts reconciles per key; asks to look at "requeued" again in 20 ms. */
    private static final class Counter implements Reconciler {
        final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        private final Duration resync;

        Counter(Duration resync) {
            this.resync = resync;
        }

        @Override
        public ControllerSpec spec() {
            return ControllerSpec.builder("counter", ConfigMap.class).resync(resync).build();
        }

        @Override
        public Result reconcile(ObjectKey key, ReconcileContext context) {
            counts.computeIfAbsent(key.name(), k -> new AtomicInteger()).incrementAndGet();
            return key.name().equals("requeued") ? Result.requeueAfter(Duration.ofMillis(20)) : Result.done();
        }

        int count(String name) {
            AtomicInteger n = counts.get(name);
            return n == null ? 0 : n.get();
        }
    }

    @Test
    void requeueAfterBringsTheKeyBack() throws Exception {
        Counter counter = new Counter(null);
        manager.add(counter);
        eventually("requeued keys are reconciled again and again", WAIT, () -> counter.count("requeued") >= 5);
        assertThat(counter.count("resynced")).as("other keys once").isEqualTo(1);
    }

    @Test
    void theResyncPeriodReEnqueuesEveryPrimary() throws Exception {
        Counter counter = new Counter(Duration.ofMillis(100));
        manager.add(counter);
        eventually("resynced keys are reconciled periodically", WAIT, () -> counter.count("resynced") >= 3);
    }
}
