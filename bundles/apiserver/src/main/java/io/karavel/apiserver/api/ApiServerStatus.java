package io.karavel.apiserver.api;

import java.time.Instant;

/**
 * What {@link ApiServerRuntime#status()} reports.
 *
 * @param url the base URL clients use, e.g. {@code http://127.0.0.1:6443}
 * @param ready true once the listener is open, the default namespaces exist and the kubeconfig
 *     was written
 * @param storeRevision the bound store's current revision at the time of the call
 * @param startedAt when the HTTP listener was opened
 */
public record ApiServerStatus(String url, boolean ready, long storeRevision, Instant startedAt) {}
