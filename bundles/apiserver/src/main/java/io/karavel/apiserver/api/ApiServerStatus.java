package io.karavel.apiserver.api;

import java.time.Instant;

/**
 * What {@link ApiServerRuntime#status()} reports.
 *
 * @param url the base URL clients use, e.g. {@code http://127.0.0.1:6443}
 * @param ready what {@code /readyz} says: true once the listener is open, the default namespaces
 *     and the DNS Service exist and the kubeconfig was written, and, on one of several masters,
 *     while this master leads or follows a leader
 * @param storeRevision the bound store's current revision at the time of the call
 * @param startedAt when the HTTP listener was opened
 */
public record ApiServerStatus(String url, boolean ready, long storeRevision, Instant startedAt) {}
