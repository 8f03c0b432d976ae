/**
 * The controller SPI: a controller is a {@link io.karavel.api.controller.Reconciler} service.
 * The controller runtime (bundle {@code karavel-controller-runtime}) discovers reconcilers as a
 * whiteboard: binding one starts its informers, work queue and workers; unbinding drains and
 * stops it. Built-in and custom controllers use exactly this API.
 *
 * <p>The discipline, after Kubernetes controllers: informer events enqueue only an
 * {@link io.karavel.api.controller.ObjectKey}; duplicate keys collapse; workers start once the
 * caches have synced; a reconcile reads the caches, is idempotent and level-triggered, treats
 * "not found" as done and writes status last; a failed reconcile is retried with rate-limited
 * back-off; {@link io.karavel.api.controller.Expectations} stop duplicate creates while the
 * cache lags behind the controller's own writes.
 */
@Export
@Version("1.0.0")
package io.karavel.api.controller;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
