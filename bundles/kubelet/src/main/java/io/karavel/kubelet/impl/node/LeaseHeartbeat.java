package io.karavel.kubelet.impl.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * The node's heartbeat: the Lease {@code kube-node-lease/<node>} renewed every heartbeat
 * interval, as kubelets do since Kubernetes 1.17. The node lifecycle controller reads
 * {@code spec.renewTime} to tell a live node from a dead one. The Lease is owned by the Node, so
 * deleting the Node removes it.
 */
public final class LeaseHeartbeat {

    public static final String NAMESPACE = "kube-node-lease";

    private final KubernetesClient client;
    private final String nodeName;
    private final int durationSeconds;
    private final Clock clock;
    private Lease current;

    public LeaseHeartbeat(KubernetesClient client, String nodeName, int durationSeconds, Clock clock) {
        this.client = client;
        this.nodeName = nodeName;
        this.durationSeconds = durationSeconds;
        this.clock = clock;
    }

    /** Renews the Lease, creating it first if needed. Returns the Lease as stored. */
    public Lease renew(Node owner) {
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
        if (current == null) {
            current = client.resources(Lease.class).inNamespace(NAMESPACE).withName(nodeName).get();
        }
        if (current == null) {
            Lease lease = new LeaseBuilder()
                    .withNewMetadata().withName(nodeName).withNamespace(NAMESPACE)
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node")
                            .withName(nodeName).withUid(owner.getMetadata().getUid()).build())
                    .endMetadata()
                    .withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(durationSeconds)
                    .withRenewTime(now).endSpec()
                    .build();
            current = client.resources(Lease.class).inNamespace(NAMESPACE).resource(lease).create();
            return current;
        }
        Lease renewed = new LeaseBuilder(current).editSpec().withHolderIdentity(nodeName)
                .withLeaseDurationSeconds(durationSeconds).withRenewTime(now).endSpec().build();
        try {
            current = client.resources(Lease.class).inNamespace(NAMESPACE).resource(renewed).update();
        } catch (KubernetesClientException e) {
            // Someone else wrote it (or deleted it): read it again on the next beat.
            current = null;
            throw e;
        }
        return current;
    }
}
