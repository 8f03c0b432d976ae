package io.karavel.api.controller;

/**
 * A controller: register an implementation as an OSGi service and the controller runtime runs
 * it (informers for its kinds, a rate-limited work queue, {@link ControllerSpec#workers()}
 * workers). Unregistering it drains in-flight reconciles and stops it. Runs only while this
 * master leads the cluster.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Reconciler {
    /** What this controller reconciles and watches; read once when the reconciler is bound. */
    ControllerSpec spec();

    /**
     * Drives the object named by {@code key} towards its desired state. Level-triggered and
     * idempotent: read the current state from {@link ReconcileContext#caches()}, act, write
     * status last. A missing object is not an error.
     *
     * @return when to look again without an event
     * @throws Exception anything: the key is retried with exponential back-off (5 ms doubling to
     *     1000 s, as client-go's default controller rate limiter)
     */
    Result reconcile(ObjectKey key, ReconcileContext context) throws Exception;
}
