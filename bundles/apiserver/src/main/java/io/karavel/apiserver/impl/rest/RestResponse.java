package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A non-streaming REST result.
 *
 * @param code HTTP status
 * @param body the JSON body (an object, a list or a Status)
 * @param warnings texts for {@code Warning: 299 - "..."} headers
 */
public record RestResponse(int code, JsonNode body, List<String> warnings) {
    public RestResponse {
        warnings = List.copyOf(warnings);
    }

    public static RestResponse ok(JsonNode body) {
        return new RestResponse(200, body, List.of());
    }
}
