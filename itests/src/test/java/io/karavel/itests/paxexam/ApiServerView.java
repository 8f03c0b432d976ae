package io.karavel.itests.paxexam;

import io.karavel.apiserver.api.ApiServerRuntime;
import io.karavel.apiserver.api.ApiServerStatus;

/**
 * Waits for the API server. A separate class on purpose: JUnit reflects on the test classes
 * (lambdas included) before the tests install their feature, when the package
 * {@code io.karavel.apiserver.api} is not available to the probe yet. This class is loaded only
 * once a test calls it, after the install.
 */
final class ApiServerView {

    private ApiServerView() {}

    /** Waits until an {@link ApiServerRuntime} is registered and ready; returns its status. */
    static ApiServerStatus awaitReady(KaravelKarafTestSupport test) {
        ApiServerRuntime runtime = test.awaitService(ApiServerRuntime.class, null);
        KaravelKarafTestSupport.await("API server ready", () -> runtime.status().ready());
        return runtime.status();
    }
}
