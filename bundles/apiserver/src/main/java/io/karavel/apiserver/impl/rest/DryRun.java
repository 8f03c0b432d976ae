package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code dryRun} option of writes: {@code All} runs the whole request (decode, default,
 * validate, admit) but stores nothing; any other value is a 422 on the request's options kind,
 * as Kubernetes answers it ({@code CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported
 * value: []string{"x"}: supported values: "All"}).
 */
final class DryRun {
    private DryRun() {}

    /**
     * @param req the request, whose {@code dryRun} query parameter counts when the body has none
     * @param bodyValue the {@code dryRun} array of a DeleteOptions body, or null
     * @param optionsKind {@code CreateOptions}, {@code UpdateOptions}, {@code PatchOptions} or {@code DeleteOptions}
     */
    static boolean of(RestRequest req, JsonNode bodyValue, String optionsKind) {
        List<String> values = new ArrayList<>();
        if (bodyValue != null && bodyValue.isArray() && bodyValue.size() > 0) {
            bodyValue.forEach(v -> values.add(v.asText()));
        } else if (req.param("dryRun") != null && !req.param("dryRun").isEmpty()) {
            values.add(req.param("dryRun"));
        }
        if (values.isEmpty()) {
            return false;
        }
        if (values.stream().allMatch("All"::equals)) {
            return true;
        }
        StringBuilder go = new StringBuilder("[]string{");
        for (int i = 0; i < values.size(); i++) {
            go.append(i > 0 ? ", " : "").append('"').append(values.get(i)).append('"');
        }
        go.append('}');
        throw invalidOptions(optionsKind, List.of(new ApiException.Cause(
                "FieldValueNotSupported", "Unsupported value: " + go + ": supported values: \"All\"", "dryRun")));
    }

    /** 422 on a request's options ({@code DeleteOptions.meta.k8s.io "" is invalid: ...}). */
    static ApiException invalidOptions(String optionsKind, List<ApiException.Cause> causes) {
        return ApiException.invalid(optionsKind + ".meta.k8s.io", "meta.k8s.io", optionsKind, "", causes);
    }
}
