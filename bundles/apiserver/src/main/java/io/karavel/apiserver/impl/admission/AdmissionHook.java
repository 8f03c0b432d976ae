package io.karavel.apiserver.impl.admission;

import io.karavel.apiserver.impl.rest.ApiException;

/**
 * One admission step, run after decoding, defaulting and validation and before the store write.
 * A hook may change the object (mutating) or reject the request by throwing an
 * {@link ApiException} (validating). Hooks must be thread-safe.
 */
public interface AdmissionHook {
    void admit(AdmissionRequest request) throws ApiException;
}
