package io.karavel.controller.runtime.impl;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.Cache;
import io.karavel.api.controller.ControllerInfo;
import io.karavel.api.controller.ControllerRuntime;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.InformerListener;
import io.karavel.api.controller.LeaderElection;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.SharedInformers;
import io.karavel.api.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The controller runtime in OSGi: a {@link ControllerManager} over the bound {@link Store} and
 * the API server's {@link ObjectClient}, running every {@link Reconciler} service (whiteboard:
 * binding starts one, unbinding drains and stops it) while this master leads, and providing the
 * {@link SharedInformers} to the scheduler and others. A better-ranked store or API server
 * restarts it (GREEDY); a leader election service may come and go at any time (absent: leading).
 */
@Component(
        name = "io.karavel.controller.runtime",
        configurationPid = "io.karavel.controller.runtime",
        service = {ControllerRuntime.class, SharedInformers.class},
        immediate = true)
@Designate(ocd = ControllerRuntimeComponent.Config.class)
public final class ControllerRuntimeComponent implements ControllerRuntime, SharedInformers {

    @ObjectClassDefinition(name = "Karavel controller runtime",
            description = "Shared informers, work queues and workers for Reconciler services")
    public @interface Config {
        @AttributeDefinition(description = "Resync period in seconds for controllers whose spec sets none; 0: never")
        long default_resync_seconds() default 0;

        @AttributeDefinition(description = "Events waiting to be written to the API before new ones are dropped")
        int event_queue_size() default 1000;

        @AttributeDefinition(description = "Changes an informer may have queued before it drops its watch and relists")
        int informer_max_pending() default 100_000;

        @AttributeDefinition(description = "Milliseconds between lookups of a kind that is not served yet (CRD not installed)")
        long unserved_retry_millis() default 1000;

        @AttributeDefinition(description = "Seconds between rescans of the served kinds for controllers watching all kinds")
        long crd_rescan_seconds() default 30;

        @AttributeDefinition(description = "Seconds unbinding a controller or losing leadership waits for running reconciles")
        long drain_seconds() default 30;

        @AttributeDefinition(description = "Seconds before a controller's unobserved expectations expire")
        long expectations_ttl_seconds() default 300;

        @AttributeDefinition(name = "store.target", description = "OSGi filter choosing the Store service, e.g. (store.type=mapdb)")
        String store_target() default "(objectClass=io.karavel.api.store.Store)";
    }

    private final ControllerManager manager;

    @Activate
    public ControllerRuntimeComponent(
            @Reference(name = "store", policyOption = ReferencePolicyOption.GREEDY) Store store,
            @Reference(name = "client", policyOption = ReferencePolicyOption.GREEDY) ObjectClient client,
            Config config) {
        this.manager = new ControllerManager(store, client, null, settings(config), Clock.systemUTC());
    }

    static ControllerManager.Settings settings(Config config) {
        return new ControllerManager.Settings(
                config.default_resync_seconds() > 0 ? Duration.ofSeconds(config.default_resync_seconds()) : null,
                Duration.ofSeconds(config.expectations_ttl_seconds()),
                Duration.ofSeconds(Math.max(1, config.crd_rescan_seconds())),
                Duration.ofSeconds(config.drain_seconds()),
                new SharedInformerFactory.Settings(
                        Duration.ofMillis(Math.max(10, config.unserved_retry_millis())),
                        config.informer_max_pending(),
                        config.event_queue_size()));
    }

    @Reference(name = "leaderElection", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindLeaderElection(LeaderElection election) {
        manager.setLeaderElection(election);
    }

    void unbindLeaderElection(LeaderElection election) {
        manager.unsetLeaderElection(election);
    }

    @Reference(name = "reconciler", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindReconciler(Reconciler reconciler, ServiceReference<Reconciler> reference) {
        manager.add(reconciler, reference.getBundle() == null ? null : reference.getBundle().getSymbolicName());
    }

    void unbindReconciler(Reconciler reconciler) {
        manager.remove(reconciler);
    }

    @Deactivate
    void deactivate() {
        manager.close();
    }

    // ---- ControllerRuntime -------------------------------------------------------------------

    @Override
    public List<ControllerInfo> controllers() {
        return manager.controllers();
    }

    @Override
    public boolean leading() {
        return manager.leading();
    }

    // ---- SharedInformers ---------------------------------------------------------------------

    @Override
    public <T extends HasMetadata> Cache<T> of(Class<T> kind) {
        return manager.informers().of(kind);
    }

    @Override
    public Optional<HasMetadata> byUid(String uid) {
        return manager.informers().byUid(uid);
    }

    @Override
    public List<HasMetadata> dependentsOf(String ownerUid) {
        return manager.informers().dependentsOf(ownerUid);
    }

    @Override
    public <T extends HasMetadata> AutoCloseable addListener(Class<T> kind, InformerListener<T> listener) {
        return manager.informers().addListener(kind, listener);
    }

    @Override
    public boolean awaitSynced(Class<? extends HasMetadata> kind, Duration timeout) throws InterruptedException {
        return manager.informers().awaitSynced(kind, timeout);
    }

    @Override
    public EventRecorder recorder(String component) {
        return manager.informers().recorder(component);
    }
}
