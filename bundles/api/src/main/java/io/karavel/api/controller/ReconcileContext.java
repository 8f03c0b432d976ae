package io.karavel.api.controller;

import io.karavel.api.client.ObjectClient;
import java.time.Clock;

/** What a reconcile works with: caches to read, the API to write, events, expectations. */
@org.osgi.annotation.versioning.ProviderType
public interface ReconcileContext {
    Caches caches();

    ObjectClient client();

    /** Events attributed to this controller. */
    EventRecorder events();

    /** This controller's expectations. */
    Expectations expectations();

    /** The clock to use for time-based decisions (a fake in tests). */
    Clock clock();
}
