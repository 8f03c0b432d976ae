package io.karavel.store.mapdb.impl;

import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Mutation;
import io.karavel.api.store.Store;
import io.karavel.api.store.Watch;
import io.karavel.api.store.WatchListener;
import java.nio.file.Path;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Registers the embedded MapDB store as the cluster {@link Store} ({@code store.type=mapdb}).
 * Deactivation fails queued writes, closes every watch with a reason and closes the database.
 */
@Component(
        name = MapDbStoreComponent.PID,
        configurationPid = MapDbStoreComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = "store.type=mapdb")
@Designate(ocd = MapDbStoreComponent.Config.class)
public final class MapDbStoreComponent implements Store {

    static final String PID = "io.karavel.store.mapdb";

    @ObjectClassDefinition(name = "Karavel MapDB store", description = "The embedded durable cluster store.")
    public @interface Config {
        @AttributeDefinition(description = "Directory of the store files. A relative path is resolved"
                + " against the system property karaf.base (else the working directory).")
        String dir() default "var/store";

        @AttributeDefinition(description = "Changes kept in memory so that watches can start at a past"
                + " revision; an older start revision gets 410 Expired. 10000 covers minutes of a busy"
                + " small cluster (Kubernetes' watch cache keeps 100 to 1000 per resource) for ~10-20 MB"
                + " of heap with typical objects.")
        int history_size() default MapDbStore.Options.DEFAULT_HISTORY_SIZE;

        @AttributeDefinition(description = "Most writes group-committed together (one journal fdatasync).")
        int max_batch_size() default MapDbStore.Options.DEFAULT_MAX_BATCH_SIZE;

        @AttributeDefinition(description = "Changes a watch may have queued before the store closes it"
                + " as too slow (its client then restarts it from its last revision).")
        int max_watch_lag() default MapDbStore.Options.DEFAULT_MAX_WATCH_LAG;

        @AttributeDefinition(description = "Use a FileChannel volume (true) or a RandomAccessFile volume"
                + " (false). Memory mapping is never used: a failed delayed write would crash the JVM.")
        boolean file_channel() default true;

        @AttributeDefinition(description = "Milliseconds between checkpoints of the journal into the MapDB"
                + " file (also done early when many keys are dirty). Longer: less disk work, longer replay"
                + " after a crash.")
        long checkpoint_interval_ms() default MapDbStore.Options.DEFAULT_CHECKPOINT_INTERVAL_MILLIS;

        @AttributeDefinition(description = "Size in bytes of each pre-allocated journal segment file.")
        long journal_segment_bytes() default MapDbStore.Options.DEFAULT_JOURNAL_SEGMENT_BYTES;
    }

    private final MapDbStore store;

    @Activate
    public MapDbStoreComponent(Config config) {
        this.store = MapDbStore.open(resolveDir(config.dir(), System.getProperty("karaf.base")), options(config));
    }

    static MapDbStore.Options options(Config config) {
        return new MapDbStore.Options(
                config.history_size(), config.max_batch_size(), config.max_watch_lag(), config.file_channel(),
                config.checkpoint_interval_ms(), config.journal_segment_bytes());
    }

    /** A relative {@code dir} is resolved against {@code base} when set, else the working directory. */
    static Path resolveDir(String dir, String base) {
        Path path = Path.of(dir);
        if (path.isAbsolute()) {
            return path;
        }
        return (base == null || base.isBlank() ? Path.of("") : Path.of(base)).resolve(path).toAbsolutePath();
    }

    @Deactivate
    void deactivate() {
        store.close();
    }

    @Override
    public long currentRevision() {
        return store.currentRevision();
    }

    @Override
    public long compactedRevision() {
        return store.compactedRevision();
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return store.get(key);
    }

    @Override
    public ListResult list(String prefix, String startAfter, int limit) {
        return store.list(prefix, startAfter, limit);
    }

    @Override
    public KeyValue commit(Mutation mutation) {
        return store.commit(mutation);
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        return store.watch(prefix, afterRevision, listener);
    }
}
