package io.karavel.examples.website;

import com.fasterxml.jackson.databind.node.IntNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionCondition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.client.ObjectClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code websites.examples.karavel.io} CustomResourceDefinition, and how it is installed: created
 * if missing, replaced if this bundle's version of it differs from the stored one (a hash of the
 * definition is kept in an annotation, because the API server adds defaults to what it stores).
 * It is never deleted by the bundle: deleting a CRD deletes every Website with it.
 */
final class WebsiteCrd {
    private static final Logger LOG = LoggerFactory.getLogger(WebsiteCrd.class);

    static final String NAME = Website.PLURAL + "." + Website.GROUP;
    /** Hash of the definition this bundle installs; compared instead of the defaulted spec. */
    static final String HASH_ANNOTATION = Website.GROUP + "/definition-hash";

    private WebsiteCrd() {}

    /** The definition this bundle serves: v1 only, with a status subresource and printer columns. */
    static CustomResourceDefinition definition() {
        JSONSchemaProps spec = new JSONSchemaPropsBuilder()
                .withType("object")
                .withDescription("What the Website serves and how many replicas serve it.")
                .addToProperties("replicas", new JSONSchemaPropsBuilder().withType("integer").withFormat("int32")
                        .withMinimum(0.0).withDefault(IntNode.valueOf(WebsiteSpec.DEFAULT_REPLICAS))
                        .withDescription("Number of httpd pods.").build())
                .addToProperties("content", new JSONSchemaPropsBuilder().withType("string")
                        .withDescription("The page text, served as index.html.").build())
                .addToProperties("port", new JSONSchemaPropsBuilder().withType("integer").withFormat("int32")
                        .withMinimum(1.0).withMaximum(65535.0).withDefault(IntNode.valueOf(WebsiteSpec.DEFAULT_PORT))
                        .withDescription("Port of the Service and of httpd.").build())
                .build();
        JSONSchemaProps condition = new JSONSchemaPropsBuilder()
                .withType("object")
                .addToRequired("type", "status")
                .addToProperties("type", string())
                .addToProperties("status", string())
                .addToProperties("reason", string())
                .addToProperties("message", string())
                .addToProperties("lastTransitionTime", new JSONSchemaPropsBuilder().withType("string")
                        .withFormat("date-time").build())
                .addToProperties("observedGeneration", new JSONSchemaPropsBuilder().withType("integer")
                        .withFormat("int64").build())
                .build();
        JSONSchemaProps status = new JSONSchemaPropsBuilder()
                .withType("object")
                .addToProperties("observedGeneration", new JSONSchemaPropsBuilder().withType("integer")
                        .withFormat("int64").build())
                .addToProperties("readyReplicas", new JSONSchemaPropsBuilder().withType("integer")
                        .withFormat("int32").build())
                .addToProperties("url", string())
                .addToProperties("conditions", new JSONSchemaPropsBuilder().withType("array")
                        .withNewItems().withSchema(condition).endItems().build())
                .build();
        return new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(NAME).endMetadata()
                .withNewSpec()
                    .withGroup(Website.GROUP)
                    .withScope("Namespaced")
                    .withNewNames()
                        .withKind(Website.KIND)
                        .withListKind(Website.KIND + "List")
                        .withPlural(Website.PLURAL)
                        .withSingular("website")
                        .withShortNames("ws")
                    .endNames()
                    .addNewVersion()
                        .withName(Website.VERSION)
                        .withServed(true)
                        .withStorage(true)
                        .withNewSchema().withNewOpenAPIV3Schema()
                            .withType("object")
                            .addToProperties("spec", spec)
                            .addToProperties("status", status)
                        .endOpenAPIV3Schema().endSchema()
                        .withNewSubresources().withNewStatus().endStatus().endSubresources()
                        .addNewAdditionalPrinterColumn().withName("Replicas").withType("integer")
                            .withJsonPath(".spec.replicas").endAdditionalPrinterColumn()
                        .addNewAdditionalPrinterColumn().withName("Ready").withType("integer")
                            .withJsonPath(".status.readyReplicas").endAdditionalPrinterColumn()
                        .addNewAdditionalPrinterColumn().withName("URL").withType("string")
                            .withJsonPath(".status.url").endAdditionalPrinterColumn()
                        .addNewAdditionalPrinterColumn().withName("Age").withType("date")
                            .withJsonPath(".metadata.creationTimestamp").endAdditionalPrinterColumn()
                    .endVersion()
                .endSpec()
                .build();
    }

    private static JSONSchemaProps string() {
        return new JSONSchemaPropsBuilder().withType("string").build();
    }

    /**
     * Creates or updates the CRD, then waits up to {@code wait} for it to be Established and its
     * kind served.
     *
     * @return true when Websites are served; false when the wait ran out (the controller still
     *     starts: its informer picks the kind up once it is served)
     */
    static boolean install(ObjectClient client, Duration wait) throws InterruptedException {
        CustomResourceDefinition desired = definition();
        String hash = hash(desired);
        desired.getMetadata().setAnnotations(Map.of(HASH_ANNOTATION, hash));
        CustomResourceDefinition stored = client.get(CustomResourceDefinition.class, null, NAME).orElse(null);
        if (stored == null) {
            try {
                client.create(desired);
                LOG.info("created CustomResourceDefinition {}", NAME);
            } catch (ApiStatusException e) {
                if (!e.isAlreadyExists()) {
                    throw e;
                }
                // another master or an earlier activation won the race: its definition is ours
            }
        } else if (!hash.equals(annotation(stored))) {
            Map<String, String> annotations = new HashMap<>(
                    Objects.requireNonNullElse(stored.getMetadata().getAnnotations(), Map.of()));
            annotations.put(HASH_ANNOTATION, hash);
            CustomResourceDefinition update = new CustomResourceDefinitionBuilder(stored)
                    .editMetadata().withAnnotations(annotations).endMetadata()
                    .withSpec(desired.getSpec())
                    .build();
            client.update(update); // compare-and-swap on the resourceVersion we read
            LOG.info("updated CustomResourceDefinition {}", NAME);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            if (served(client)) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                LOG.warn("CustomResourceDefinition {} not Established after {}; the controller will wait for it",
                        NAME, wait);
                return false;
            }
            Thread.sleep(100); // bounded by the deadline; activation has no event to wait on
        }
    }

    /** Established (names accepted, kind in discovery). */
    static boolean served(ObjectClient client) {
        CustomResourceDefinition crd = client.get(CustomResourceDefinition.class, null, NAME).orElse(null);
        if (crd == null || crd.getStatus() == null || crd.getStatus().getConditions() == null) {
            return false;
        }
        for (CustomResourceDefinitionCondition c : crd.getStatus().getConditions()) {
            if ("Established".equals(c.getType()) && "True".equals(c.getStatus())) {
                return client.resource(Website.API_VERSION, Website.KIND).isPresent();
            }
        }
        return false;
    }

    private static String annotation(CustomResourceDefinition crd) {
        Map<String, String> annotations = crd.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(HASH_ANNOTATION);
    }

    /** SHA-256 of the definition's spec as its builder-generated {@code toString} (stable per fabric8 version). */
    static String hash(CustomResourceDefinition crd) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] bytes = digest.digest(crd.getSpec().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(bytes, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
