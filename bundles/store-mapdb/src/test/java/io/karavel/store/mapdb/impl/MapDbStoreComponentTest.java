package io.karavel.store.mapdb.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.api.store.StoreUnavailableException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MapDbStoreComponentTest {

    @TempDir
    Path dir;

    /** A Config as DS would build it: the annotation defaults, overridden by {@code values}. */
    private static MapDbStoreComponent.Config config(Map<String, Object> values) {
        return (MapDbStoreComponent.Config) Proxy.newProxyInstance(
                MapDbStoreComponent.Config.class.getClassLoader(),
                new Class<?>[] {MapDbStoreComponent.Config.class},
                (proxy, method, args) -> values.getOrDefault(method.getName(), method.getDefaultValue()));
    }

    @Test
    void relativeDirResolvesAgainstKarafBase() {
        assertThat(MapDbStoreComponent.resolveDir("var/store", "/opt/karavel"))
                .isEqualTo(Path.of("/opt/karavel/var/store"));
        assertThat(MapDbStoreComponent.resolveDir("/data/store", "/opt/karavel")).isEqualTo(Path.of("/data/store"));
        assertThat(MapDbStoreComponent.resolveDir("var/store", null))
                .isEqualTo(Path.of("var/store").toAbsolutePath());
    }

    @Test
    void defaultsMatchTheDocumentedOptions() {
        assertThat(MapDbStoreComponent.options(config(Map.of()))).isEqualTo(MapDbStore.Options.defaults());
    }

    @Test
    void activatesOnTheConfiguredDirAndDeactivatesCleanly() {
        Path storeDir = dir.resolve("store");
        MapDbStoreComponent component = new MapDbStoreComponent(
                config(Map.of("dir", storeDir.toString(), "history_size", 5)));
        component.create("/a", new byte[] {1});
        assertThat(component.currentRevision()).isEqualTo(1);
        assertThat(Files.exists(storeDir.resolve("journal"))).isTrue();
        RecordingListener listener = new RecordingListener();
        component.watch("/", 1, listener);

        component.deactivate();
        assertThatThrownBy(() -> component.create("/b", new byte[] {1}))
                .isInstanceOf(StoreUnavailableException.class);
        Await.until("watch closed", listener.closed::get);
        assertThat(listener.closeReason.get()).isInstanceOf(StoreUnavailableException.class);
    }
}
