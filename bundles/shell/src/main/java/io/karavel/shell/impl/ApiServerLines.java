package io.karavel.shell.impl;

import io.karavel.apiserver.api.ApiServerRuntime;
import io.karavel.apiserver.api.ApiServerStatus;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Reads the API server's status for display. The only class of this bundle that uses the
 * (optionally imported) package {@code io.karavel.apiserver.api}, and it is loaded only when an
 * API server service exists: so the shell also works on a node, which has no API server. No
 * type of that package may appear in the signatures of other classes (Karaf's command manager
 * reflects on them).
 */
final class ApiServerLines {

    static final String SERVICE = "io.karavel.apiserver.api.ApiServerRuntime";

    /** Displayed values. */
    record Lines(String url, String ready) {}

    private ApiServerLines() {}

    /** The status of the registered API server, or null if there is none. */
    static Lines read(BundleContext context) {
        ServiceReference<?> reference = context.getServiceReference(SERVICE);
        if (reference == null) {
            return null;
        }
        Object service = context.getService(reference);
        if (service == null) {
            return null;
        }
        try {
            ApiServerStatus status = ((ApiServerRuntime) service).status();
            return new Lines(status.url(), Boolean.toString(status.ready()));
        } finally {
            context.ungetService(reference);
        }
    }
}
