package io.karavel.api.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * A secondary kind a controller watches, and how its events map to primary keys.
 *
 * @param kind the watched model class; null for every served kind (built-in and custom, as they
 *     come and go), which the garbage collector uses
 * @param mapper maps a changed object (its new state, or its last state when deleted) to keys
 * @param owned true when the watched objects are created by the controller and point at their
 *     primary with a controller owner reference: the runtime then maps them to their owner and
 *     counts their creations and deletions against the owner's {@link Expectations}
 */
public record WatchSpec(Class<? extends HasMetadata> kind, KeyMapper mapper, boolean owned) {}
