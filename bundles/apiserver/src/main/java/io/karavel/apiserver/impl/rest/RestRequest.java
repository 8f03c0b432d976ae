package io.karavel.apiserver.impl.rest;

import io.karavel.apiserver.impl.auth.UserInfo;
import io.karavel.apiserver.impl.http.RequestInfo;
import io.karavel.apiserver.impl.registry.ResourceType;
import java.util.Map;

/**
 * A resource request as the REST layer sees it: no HTTP types, so the REST semantics can be
 * tested and reused (by the shell, by internal callers) without Jetty.
 *
 * @param info the parsed path and verb
 * @param type the resource type the path names
 * @param query query parameters (first value of each)
 * @param body the request body, empty when none
 * @param contentType the body's media type, may be null
 * @param user the authenticated caller
 */
public record RestRequest(
        RequestInfo info,
        ResourceType type,
        Map<String, String> query,
        byte[] body,
        String contentType,
        UserInfo user) {

    public String param(String name) {
        return query.get(name);
    }
}
