package io.karavel.apiserver.impl.auth;

import io.karavel.apiserver.impl.http.RequestInfo;
import io.karavel.apiserver.impl.rest.ApiException;

/** Decides whether a user may do what a request asks; throws a 403 {@link ApiException} to refuse. */
public interface Authorizer {
    Authorizer ALLOW_ALL = (user, request) -> {};

    void authorize(UserInfo user, RequestInfo request) throws ApiException;
}
