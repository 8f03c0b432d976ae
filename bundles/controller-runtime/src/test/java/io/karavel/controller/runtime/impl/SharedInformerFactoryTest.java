package io.karavel.controller.runtime.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.InformerListener;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Mutation;
import io.karavel.api.store.RevisionCompactedException;
import io.karavel.api.store.Store;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.api.store.Watch;
import io.karavel.api.store.WatchListener;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Informers over the real store and API server: sync, order, relist after a lost watch, unserved kinds, CRDs. */
class SharedInformerFactoryTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private MapDbStore store;
    private BreakableStore breakable;
    private ApiServer server;
    private ObjectClient client;
    private SharedInformerFactory informers;

    @BeforeEach
    void start() throws Exception {
        store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        breakable = new BreakableStore(store);
        server = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, null));
        server.start();
        client = server.objectClient();
    }

    @AfterEach
    void stop() throws Exception {
        if (informers != null) {
            informers.close();
        }
        server.close();
        store.close();
    }

    private SharedInformerFactory informers(ObjectClient objectClient) {
        informers = new SharedInformerFactory(breakable, objectClient,
                new SharedInformerFactory.Settings(Duration.ofMillis(50), 1000, 100));
        return informers;
    }

    private static ConfigMap configMap(String name, String value) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("default").withName(name).endMetadata()
                .withData(Map.of("k", value)).build();
    }

    /** Records what a listener sees, as "verb name". */
    private static final class Recorder implements InformerListener<ConfigMap> {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onAdd(ConfigMap object) {
            seen.add("add " + object.getMetadata().getName());
        }

        @Override
        public void onUpdate(ConfigMap oldObject, ConfigMap newObject) {
            seen.add("update " + newObject.getMetadata().getName() + " " + newObject.getData().get("k"));
        }

        @Override
        public void onDelete(ConfigMap lastKnown) {
            seen.add("delete " + lastKnown.getMetadata().getName());
        }
    }

    @Test
    void syncsThenDeliversChangesInOrderWithServedResourceVersions() throws Exception {
        client.create(configMap("a", "1"));
        informers(client);
        assertThat(informers.awaitSynced(ConfigMap.class, WAIT)).isTrue();
        Recorder recorder = new Recorder();
        informers.addListener(ConfigMap.class, recorder);

        ConfigMap b = client.create(configMap("b", "1"));
        client.update(new ConfigMapBuilder(b).withData(Map.of("k", "2")).build());
        client.delete(ConfigMap.class, "default", "a", null);

        eventually("every change", WAIT, () -> recorder.seen.size() == 4);
        assertThat(recorder.seen).containsExactly("add a", "add b", "update b 2", "delete a");
        ConfigMap cached = informers.of(ConfigMap.class).get("default", "b").orElseThrow();
        assertThat(cached.getMetadata().getResourceVersion())
                .isEqualTo(client.get(ConfigMap.class, "default", "b").orElseThrow().getMetadata().getResourceVersion());
        assertThat(informers.byUid(cached.getMetadata().getUid())).containsSame(cached);
        assertThat(informers.of(ConfigMap.class).list("default")).extracting(c -> c.getMetadata().getName())
                .contains("b").doesNotContain("a");
        assertThat(informers.of(ConfigMap.class).list("elsewhere")).isEmpty();
    }

    @Test
    void aLostWatchIsFollowedByARelistWhoseDifferencesAreDelivered() throws Exception {
        client.create(configMap("a", "1"));
        client.create(configMap("b", "1"));
        informers(client);
        Recorder recorder = new Recorder();
        informers.addListener(ConfigMap.class, recorder);
        eventually("the initial list", WAIT, () -> recorder.seen.size() == 2);

        breakable.failLists = true;
        breakable.breakWatches();
        ConfigMap b = client.get(ConfigMap.class, "default", "b").orElseThrow();
        client.update(new ConfigMapBuilder(b).withData(Map.of("k", "2")).build());
        client.delete(ConfigMap.class, "default", "a", null);
        client.create(configMap("c", "1"));
        breakable.failLists = false;

        eventually("the relist's differences", WAIT, () -> recorder.seen.size() == 5);
        assertThat(recorder.seen.subList(2, 5)).containsExactlyInAnyOrder("update b 2", "delete a", "add c");
        client.create(configMap("d", "1"));
        eventually("the new watch delivers", WAIT, () -> recorder.seen.contains("add d"));
        assertThat(informers.of(ConfigMap.class).list(null)).extracting(c -> c.getMetadata().getName())
                .contains("b", "c", "d").doesNotContain("a");
    }

    @Test
    void aKindThatIsNotServedYetIsLookedUpAgain() throws Exception {
        Set<Class<?>> hidden = ConcurrentHashMap.newKeySet();
        hidden.add(ConfigMap.class);
        ObjectClient hiding = (ObjectClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ObjectClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("resource") && args.length == 1 && hidden.contains(args[0])) {
                        return Optional.empty();
                    }
                    try {
                        return method.invoke(client, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        client.create(configMap("a", "1"));
        informers(hiding);

        assertThat(informers.awaitSynced(ConfigMap.class, Duration.ofMillis(200))).isFalse();
        assertThat(informers.of(ConfigMap.class).hasSynced()).isFalse();
        hidden.clear();
        assertThat(informers.awaitSynced(ConfigMap.class, WAIT)).isTrue();
        assertThat(informers.of(ConfigMap.class).get("default", "a")).isPresent();
    }

    @Test
    void watchesAllFollowsCustomResourceDefinitions() throws Exception {
        Set<String> kinds = ConcurrentHashMap.newKeySet();
        Reconciler gc = new Reconciler() {
            @Override
            public ControllerSpec spec() {
                return ControllerSpec.builder("all-kinds", null).watchesAll((object, caches) -> {
                    kinds.add(object.getKind());
                    return List.<ObjectKey>of();
                }).build();
            }

            @Override
            public Result reconcile(ObjectKey key, io.karavel.api.controller.ReconcileContext context) {
                return Result.done();
            }
        };
        try (ControllerManager manager = new ControllerManager(breakable, client, null)) {
            manager.add(gc);
            eventually("running", WAIT, () -> manager.controllers().get(0).state().equals("running"));
            assertThat(kinds).contains("Namespace");

            client.create(SharedInformerFactory.JSON.readValue("""
                    {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
                     "metadata":{"name":"widgets.example.com"},
                     "spec":{"group":"example.com","scope":"Namespaced",
                      "names":{"plural":"widgets","singular":"widget","kind":"Widget"},
                      "versions":[{"name":"v1","served":true,"storage":true,
                       "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
                    """, CustomResourceDefinition.class));
            GenericKubernetesResource widget = new GenericKubernetesResource();
            widget.setApiVersion("example.com/v1");
            widget.setKind("Widget");
            widget.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName("w").build());
            eventually("the custom kind is served", WAIT, () -> {
                try {
                    client.create(widget);
                    return true;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            eventually("the widget is seen", WAIT, () -> kinds.contains("Widget"));
            HasMetadata cached = manager.informers()
                    .of(client.resource("example.com/v1", "Widget").orElseThrow()).get("default", "w").orElseThrow();
            assertThat(cached).isInstanceOf(GenericKubernetesResource.class);

            // a controller that brings its own model class for the custom kind gets it, from the
            // same (generic) informer, in caches and in listener callbacks
            assertThat(manager.informers().of(Widget.class).get("default", "w")).get()
                    .isInstanceOf(Widget.class).extracting(w -> w.getMetadata().getName()).isEqualTo("w");
            List<Widget> added = new CopyOnWriteArrayList<>();
            manager.informers().addListener(Widget.class, new io.karavel.api.controller.InformerListener<Widget>() {
                @Override
                public void onAdd(Widget object) {
                    added.add(object);
                }

                @Override
                public void onUpdate(Widget oldObject, Widget newObject) {}

                @Override
                public void onDelete(Widget lastKnown) {}
            });
            eventually("the typed listener sees the widget", WAIT, () -> added.size() == 1);
        }
    }

    /** A custom kind's own model class, as an extension bundle would bring it. */
    @io.fabric8.kubernetes.model.annotation.Group("example.com")
    @io.fabric8.kubernetes.model.annotation.Version("v1")
    @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = com.fasterxml.jackson.databind.JsonDeserializer.None.class)
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Widget implements HasMetadata {
        private String apiVersion = "example.com/v1";
        private String kind = "Widget";
        private io.fabric8.kubernetes.api.model.ObjectMeta metadata;

        @Override
        public String getApiVersion() {
            return apiVersion;
        }

        @Override
        public void setApiVersion(String apiVersion) {
            this.apiVersion = apiVersion;
        }

        @Override
        public String getKind() {
            return kind;
        }

        public void setKind(String kind) {
            this.kind = kind;
        }

        @Override
        public io.fabric8.kubernetes.api.model.ObjectMeta getMetadata() {
            return metadata;
        }

        @Override
        public void setMetadata(io.fabric8.kubernetes.api.model.ObjectMeta metadata) {
            this.metadata = metadata;
        }
    }

    /** The real store, whose watches the test can break and whose lists it can make fail. */
    private static final class BreakableStore implements Store {
        private final Store delegate;
        private final List<Runnable> breakers = new CopyOnWriteArrayList<>();
        volatile boolean failLists;

        BreakableStore(Store delegate) {
            this.delegate = delegate;
        }

        void breakWatches() {
            breakers.forEach(Runnable::run);
            breakers.clear();
        }

        @Override
        public long currentRevision() {
            return delegate.currentRevision();
        }

        @Override
        public long compactedRevision() {
            return delegate.compactedRevision();
        }

        @Override
        public Optional<KeyValue> get(String key) {
            return delegate.get(key);
        }

        @Override
        public ListResult list(String prefix, String startAfter, int limit) {
            if (failLists) {
                throw new StoreUnavailableException("lists fail for this test");
            }
            return delegate.list(prefix, startAfter, limit);
        }

        @Override
        public KeyValue commit(Mutation mutation) {
            return delegate.commit(mutation);
        }

        @Override
        public Watch watch(String prefix, long afterRevision, WatchListener listener) {
            Watch watch = delegate.watch(prefix, afterRevision, listener);
            breakers.add(() -> {
                watch.close();
                listener.onClose(new RevisionCompactedException("compacted for this test"));
            });
            return watch;
        }
    }
}
