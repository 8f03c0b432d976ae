package io.karavel.examples.website;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The Website controller: for each {@link Website}, a Deployment of busybox httpd serving
 * {@code spec.content} and a ClusterIP Service in front of it, both named after the Website and
 * controlled by it (deleting the Website removes them through the garbage collector). It writes
 * {@code status} (ready replicas, the in-cluster URL, an {@code Available} condition) and records
 * Events.
 *
 * <p>Activation installs the CRD (see {@link WebsiteCrd}); deactivation leaves it and every
 * Website in place, so that removing this bundle from {@code deploy/} only pauses reconciliation.
 *
 * <p>The Website itself is read through the API, not from a cache: the controller runtime's
 * informers hold custom kinds as {@code GenericKubernetesResource}, so {@code
 * caches().of(Website.class)} cannot hand out this bundle's own class. The Deployments and Services
 * come from the caches, as usual.
 */
@Component(name = WebsiteController.PID, configurationPid = WebsiteController.PID, service = Reconciler.class,
        immediate = true)
@Designate(ocd = WebsiteController.Config.class)
public final class WebsiteController implements Reconciler {
    public static final String PID = "io.karavel.examples.website";

    /** Label on the Deployment, its pods and the Service: the Website's name. */
    static final String WEBSITE_LABEL = Website.GROUP + "/website";
    /** Hash of what the pods serve; on the Deployment and its pod template, so a change rolls the pods. */
    static final String CONTENT_HASH_ANNOTATION = Website.GROUP + "/content-hash";
    static final String IMAGE = "localhost/busybox:latest";
    static final String CONTAINER = "httpd";
    /** Written by {@code sh}, served by httpd; relative to the container's working directory. */
    static final String SCRIPT = "mkdir -p www && printf '%s' \"$WEBSITE_CONTENT\" > www/index.html"
            + " && exec busybox httpd -f -p \"${POD_IP}:${WEBSITE_PORT}\" -h www";
    /** When an object of ours is in the way: looked at again without an event, as it is not ours. */
    static final Duration CONFLICT_RETRY = Duration.ofSeconds(30);

    @ObjectClassDefinition(name = "Karavel example: Website controller",
            description = "Serves each Website's page with busybox httpd behind a Service")
    public @interface Config {
        @AttributeDefinition(name = "workers", description = "Websites reconciled in parallel")
        int workers() default 2;

        @AttributeDefinition(name = "crd.wait.seconds",
                description = "How long activation waits for the Website CRD to be Established (the controller starts anyway)")
        int crd_wait_seconds() default 30;
    }

    private final int workers;

    @Activate
    public WebsiteController(@Reference ObjectClient client, Config config) throws InterruptedException {
        this(config.workers());
        WebsiteCrd.install(client, Duration.ofSeconds(config.crd_wait_seconds()));
    }

    /** Without the CRD installation: for tests, which serve the kind themselves. */
    public WebsiteController(int workers) {
        this.workers = workers;
    }

    @Override
    public ControllerSpec spec() {
        return ControllerSpec.builder("website", Website.class)
                .owns(Deployment.class)
                .owns(Service.class)
                .workers(workers)
                .build();
    }

    @Override
    public Result reconcile(ObjectKey key, ReconcileContext context) {
        ObjectClient client = context.client();
        Website website = context.caches().of(Website.class).get(key.namespace(), key.name()).orElse(null);
        if (website == null) {
            // deleted: its Deployment and Service go with it by garbage collection
            context.expectations().delete(key);
            return Result.done();
        }
        if (website.getMetadata().getDeletionTimestamp() != null) {
            return Result.done();
        }
        WebsiteSpec spec = website.getSpec() == null ? new WebsiteSpec() : website.getSpec();
        Deployment deployment = context.caches().of(Deployment.class).get(key).orElse(null);
        Service service = context.caches().of(Service.class).get(key).orElse(null);
        String uid = website.getMetadata().getUid();

        String conflict = null;
        if (deployment != null && !controlledBy(deployment, uid)) {
            conflict = notManaged(website, deployment, context);
            deployment = null;
        }
        if (service != null && !controlledBy(service, uid)) {
            conflict = notManaged(website, service, context);
            service = null;
        }
        if (conflict == null) {
            createMissing(key, website, spec, deployment, service, context);
            if (deployment != null) {
                updateDeployment(website, spec, deployment, context);
            }
            if (service != null) {
                updateService(website, spec, service, context);
            }
        }
        writeStatus(website, spec, deployment, conflict, context);
        return conflict == null ? Result.done() : Result.requeueAfter(CONFLICT_RETRY);
    }

    // ---- owned objects -------------------------------------------------------------------------

    private static void createMissing(ObjectKey key, Website website, WebsiteSpec spec, Deployment deployment,
                                      Service service, ReconcileContext context) {
        List<HasMetadata> missing = new ArrayList<>();
        if (deployment == null) {
            missing.add(desiredDeployment(website, spec));
        }
        if (service == null) {
            missing.add(desiredService(website, spec));
        }
        // Our own creates may not be in the cache yet: creating again would fail with AlreadyExists.
        if (missing.isEmpty() || !context.expectations().satisfied(key)) {
            return;
        }
        context.expectations().expectCreations(key, missing.size());
        for (HasMetadata object : missing) {
            String what = object.getKind() + " " + object.getMetadata().getName();
            try {
                context.client().create(object);
            } catch (RuntimeException e) {
                context.expectations().creationObserved(key);
                if (e instanceof ApiStatusException api && api.isAlreadyExists()) {
                    continue; // made by an earlier reconcile whose event is still on its way
                }
                context.events().event(website, EventRecorder.WARNING, "FailedCreate",
                        "Error creating " + what + ": " + e.getMessage());
                throw e;
            }
            context.events().event(website, EventRecorder.NORMAL, "Created", "Created " + what);
        }
    }

    private static void updateDeployment(Website website, WebsiteSpec spec, Deployment existing,
                                         ReconcileContext context) {
        String hash = contentHash(spec);
        Integer replicas = existing.getSpec() == null ? null : existing.getSpec().getReplicas();
        boolean scale = !Objects.equals(replicas, spec.replicasOrDefault());
        boolean roll = !hash.equals(annotation(existing.getMetadata(), CONTENT_HASH_ANNOTATION));
        if (!scale && !roll) {
            return;
        }
        Deployment desired = desiredDeployment(website, spec);
        DeploymentBuilder update = new DeploymentBuilder(existing)
                .editMetadata().addToAnnotations(CONTENT_HASH_ANNOTATION, hash).endMetadata()
                .editSpec().withReplicas(spec.replicasOrDefault()).endSpec();
        if (roll) {
            update.editSpec().withTemplate(desired.getSpec().getTemplate()).endSpec();
        }
        context.client().update(update.build()); // compare-and-swap: a conflict is retried with fresh state
        if (scale) {
            context.events().event(website, EventRecorder.NORMAL, "Scaled",
                    "Scaled Deployment " + existing.getMetadata().getName() + " from " + replicas + " to "
                            + spec.replicasOrDefault());
        }
        if (roll) {
            context.events().event(website, EventRecorder.NORMAL, "ContentChanged",
                    "Rolling Deployment " + existing.getMetadata().getName() + " to the new content");
        }
    }

    private static void updateService(Website website, WebsiteSpec spec, Service existing, ReconcileContext context) {
        int port = spec.portOrDefault();
        List<ServicePort> ports = existing.getSpec() == null ? null : existing.getSpec().getPorts();
        boolean samePort = ports != null && ports.size() == 1 && Objects.equals(ports.get(0).getPort(), port)
                && Objects.equals(ports.get(0).getTargetPort(), new IntOrString(port));
        boolean sameSelector = existing.getSpec() != null
                && Objects.equals(existing.getSpec().getSelector(), selector(website));
        if (samePort && sameSelector) {
            return;
        }
        // keeps the allocated clusterIP and whatever else the API server filled in
        Service update = new ServiceBuilder(existing)
                .editSpec()
                    .withSelector(selector(website))
                    .withPorts(desiredService(website, spec).getSpec().getPorts())
                .endSpec()
                .build();
        context.client().update(update);
        context.events().event(website, EventRecorder.NORMAL, "Updated",
                "Updated Service " + existing.getMetadata().getName() + " to port " + port);
    }

    private static String notManaged(Website website, HasMetadata object, ReconcileContext context) {
        String message = "Resource \"" + object.getMetadata().getName() + "\" already exists and is not managed by "
                + Website.KIND;
        context.events().event(website, EventRecorder.WARNING, "ErrResourceExists", object.getKind() + ": " + message);
        return object.getKind() + " " + message;
    }

    static Deployment desiredDeployment(Website website, WebsiteSpec spec) {
        String name = website.getMetadata().getName();
        String hash = contentHash(spec);
        Container httpd = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(IMAGE)
                .withCommand("sh", "-c")
                .withArgs(SCRIPT)
                .addNewEnv().withName("WEBSITE_CONTENT").withValue(spec.contentOrEmpty()).endEnv()
                .addNewEnv().withName("WEBSITE_PORT").withValue(Integer.toString(spec.portOrDefault())).endEnv()
                .addNewEnv().withName("POD_IP").withNewValueFrom().withNewFieldRef()
                    .withFieldPath("status.podIP").endFieldRef().endValueFrom().endEnv()
                .addNewPort().withName("http").withContainerPort(spec.portOrDefault()).withProtocol("TCP").endPort()
                .withNewReadinessProbe()
                    .withNewHttpGet().withPath("/").withPort(new IntOrString(spec.portOrDefault())).endHttpGet()
                    .withPeriodSeconds(2)
                .endReadinessProbe()
                .build();
        return new DeploymentBuilder()
                .withNewMetadata()
                    .withNamespace(website.getMetadata().getNamespace())
                    .withName(name)
                    .withLabels(labels(website))
                    .withAnnotations(Map.of(CONTENT_HASH_ANNOTATION, hash))
                    .withOwnerReferences(controllerRef(website))
                .endMetadata()
                .withNewSpec()
                    .withReplicas(spec.replicasOrDefault())
                    .withNewSelector().withMatchLabels(selector(website)).endSelector()
                    .withNewTemplate()
                        .withNewMetadata()
                            .withLabels(labels(website))
                            .withAnnotations(Map.of(CONTENT_HASH_ANNOTATION, hash))
                        .endMetadata()
                        .withNewSpec()
                            .withTerminationGracePeriodSeconds(5L)
                            .withContainers(httpd)
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    static Service desiredService(Website website, WebsiteSpec spec) {
        return new ServiceBuilder()
                .withNewMetadata()
                    .withNamespace(website.getMetadata().getNamespace())
                    .withName(website.getMetadata().getName())
                    .withLabels(labels(website))
                    .withOwnerReferences(controllerRef(website))
                .endMetadata()
                .withNewSpec()
                    .withType("ClusterIP")
                    .withSelector(selector(website))
                    .addNewPort().withName("http").withProtocol("TCP").withPort(spec.portOrDefault())
                        .withTargetPort(new IntOrString(spec.portOrDefault())).endPort()
                .endSpec()
                .build();
    }

    private static Map<String, String> selector(Website website) {
        return Map.of(WEBSITE_LABEL, website.getMetadata().getName());
    }

    private static Map<String, String> labels(Website website) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", "website");
        labels.put("app.kubernetes.io/managed-by", "website-controller");
        labels.put(WEBSITE_LABEL, website.getMetadata().getName());
        return labels;
    }

    /** A controller reference; blockOwnerDeletion as Kubernetes' controllers set it. */
    private static OwnerReference controllerRef(Website website) {
        return new OwnerReferenceBuilder()
                .withApiVersion(Website.API_VERSION)
                .withKind(Website.KIND)
                .withName(website.getMetadata().getName())
                .withUid(website.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    private static boolean controlledBy(HasMetadata object, String ownerUid) {
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        return refs != null && refs.stream()
                .anyMatch(r -> Boolean.TRUE.equals(r.getController()) && Objects.equals(r.getUid(), ownerUid));
    }

    private static String annotation(ObjectMeta metadata, String name) {
        return metadata.getAnnotations() == null ? null : metadata.getAnnotations().get(name);
    }

    static String contentHash(WebsiteSpec spec) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(spec.contentOrEmpty().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(Integer.toString(spec.portOrDefault()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    // ---- status --------------------------------------------------------------------------------

    private static void writeStatus(Website website, WebsiteSpec spec, Deployment deployment, String conflict,
                                    ReconcileContext context) {
        int ready = deployment == null || deployment.getStatus() == null
                || deployment.getStatus().getReadyReplicas() == null ? 0 : deployment.getStatus().getReadyReplicas();
        int desired = spec.replicasOrDefault();
        String url = "http://" + website.getMetadata().getName() + "." + website.getMetadata().getNamespace()
                + ".svc.cluster.local:" + spec.portOrDefault() + "/";
        WebsiteStatus old = website.getStatus();
        Condition previous = old == null || old.getConditions() == null ? null : old.getConditions().stream()
                .filter(c -> "Available".equals(c.getType())).findFirst().orElse(null);
        boolean available = conflict == null && ready >= desired;
        String reason = conflict != null ? "ErrResourceExists"
                : available ? "MinimumReplicasAvailable" : "ReplicasUnavailable";
        String message = conflict != null ? conflict : ready + " of " + desired + " replicas ready";
        String statusValue = available ? "True" : "False";
        String since = previous != null && statusValue.equals(previous.getStatus())
                ? previous.getLastTransitionTime()
                : DateTimeFormatter.ISO_INSTANT.format(context.clock().instant().truncatedTo(ChronoUnit.SECONDS));
        Long generation = website.getMetadata().getGeneration();
        Condition condition = new ConditionBuilder()
                .withType("Available").withStatus(statusValue).withReason(reason).withMessage(message)
                .withLastTransitionTime(since).withObservedGeneration(generation)
                .build();
        WebsiteStatus status = new WebsiteStatus(generation, ready, url, List.of(condition));
        if (status.equals(old)) {
            return;
        }
        // the Website was read from the API for this reconcile: ours to change
        website.setStatus(status);
        context.client().updateStatus(website);
        if (available && (previous == null || !"True".equals(previous.getStatus()))) {
            context.events().event(website, EventRecorder.NORMAL, "Available",
                    "Website serves " + url + " with " + ready + " ready replicas");
        }
    }
}
