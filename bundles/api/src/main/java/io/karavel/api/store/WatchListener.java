package io.karavel.api.store;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives a watch's changes. Calls for one watch never overlap and come in revision order.
 * Implementations must not block: queue the change and return (a store may close a watch whose
 * listener falls too far behind).
 */
@ConsumerType
public interface WatchListener {

    /** One change after the watch's start revision. */
    void onChange(Change change);

    /**
     * The watch ended and no more changes follow: closed by the store (shutdown, the listener was
     * too slow, the history it needed was compacted) or by {@link Watch#close()}.
     *
     * @param reason why the store closed it; null when the watch was closed by its owner
     */
    default void onClose(StoreException reason) {}
}
