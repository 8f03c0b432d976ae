package io.karavel.apiserver.impl.auth;

import io.karavel.apiserver.impl.rest.ApiException;
import org.eclipse.jetty.server.Request;

/**
 * Finds who sent a request (bearer token, client certificate...). Runs first in the pipeline;
 * throws a 401 {@link ApiException} for bad credentials.
 */
public interface Authenticator {
    /** Everyone is {@link UserInfo#ADMIN}: the server listens on plain http, on loopback by default. */
    Authenticator ADMIN_FOR_ALL = request -> UserInfo.ADMIN;

    UserInfo authenticate(Request request) throws ApiException;
}
