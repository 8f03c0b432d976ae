package io.karavel.controllers.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.karavel.controllers.support.Json;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The {@code pod-template-hash} of a Deployment's template and template equality "ignoring the
 * hash", as Kubernetes' {@code ComputeHash} and {@code EqualIgnoreHash}. Kubernetes hashes Go's
 * printed form of the struct; here the hash is FNV-1a (32 bit) over the template's canonical
 * JSON (sorted keys, zero values dropped), so names differ from a real cluster's but are just as
 * stable and deterministic.
 */
final class PodTemplates {
    static final String HASH_LABEL = "pod-template-hash";

    /** Kubernetes' {@code rand.SafeEncodeString} alphabet: no vowels, no look-alike digits. */
    private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

    private PodTemplates() {}

    static String hash(PodTemplateSpec template, Integer collisionCount) {
        int h = 0x811c9dc5;
        for (byte b : canonical(template).getBytes(StandardCharsets.UTF_8)) {
            h = fnvStep(h, b);
        }
        if (collisionCount != null) {
            // as Kubernetes: the count as 8 little-endian bytes (a uint32 in the first four)
            int c = collisionCount;
            for (int i = 0; i < 8; i++) {
                h = fnvStep(h, (byte) (i < 4 ? c >>> (8 * i) : 0));
            }
        }
        return safeEncode(Integer.toUnsignedString(h));
    }

    private static int fnvStep(int h, byte b) {
        return (h ^ (b & 0xff)) * 0x01000193;
    }

    static String safeEncode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            out.append(ALPHANUMS.charAt((b & 0xff) % ALPHANUMS.length()));
        }
        return out.toString();
    }

    /** Equal once the {@value #HASH_LABEL} label is removed from both (and zero values ignored). */
    static boolean equalIgnoreHash(PodTemplateSpec a, PodTemplateSpec b) {
        return Objects.equals(normalized(a), normalized(b));
    }

    private static String canonical(PodTemplateSpec template) {
        return Json.canonical(normalized(template));
    }

    private static JsonNode normalized(PodTemplateSpec template) {
        JsonNode tree = Json.tree(template == null ? new PodTemplateSpec() : template);
        JsonNode labels = tree.path("metadata").path("labels");
        if (labels instanceof ObjectNode object) {
            object.remove(HASH_LABEL);
        }
        return Json.pruned(tree);
    }
}
