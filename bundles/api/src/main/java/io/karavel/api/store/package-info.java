/**
 * The cluster store SPI: an etcd-like, revision-ordered key-value store.
 *
 * <p>Every committed write gets the next value of one global revision counter. The stream of
 * {@link io.karavel.api.store.Change}s in revision order (the change log) is the core abstraction:
 * watches replay it, and a replicated store ships it to followers. Values are opaque bytes (the
 * API server stores each object's JSON there); keys follow {@link io.karavel.api.store.StoreKeys}.
 */
@Export
@Version("1.0.0")
package io.karavel.api.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
