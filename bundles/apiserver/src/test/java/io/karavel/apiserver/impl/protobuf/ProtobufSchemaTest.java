package io.karavel.apiserver.impl.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Apps;
import io.kubernetes.client.proto.V1Autoscaling;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The shipped {@code kubernetes.protoschema} is what Kubernetes' generated.proto descriptors (in
 * {@code io.kubernetes:client-java-proto}) say, plus the Go facts the descriptors lack
 * ({@link #POINTERS}, {@link #INLINE}) and the Lease messages client-java-proto does not have.
 *
 * <p>To regenerate after changing this class or the client-java-proto version:
 * {@code mvn -o -q -f bundles/apiserver/pom.xml verify -Dtest=ProtobufSchemaTest
 * -Dkaravel.protoschema.write=true} (writes the resource under src/main/resources).
 */
class ProtobufSchemaTest {

    /** The kinds whose messages (and everything they use) go into the schema. */
    private static final List<Descriptor> ROOTS = List.of(
            V1.Namespace.getDescriptor(), V1.ConfigMap.getDescriptor(), V1.Secret.getDescriptor(),
            V1.Pod.getDescriptor(), V1.Service.getDescriptor(), V1.Node.getDescriptor(), V1.Event.getDescriptor(),
            V1Apps.Deployment.getDescriptor(), V1Apps.ReplicaSet.getDescriptor(),
            V1Autoscaling.Scale.getDescriptor(), Meta.DeleteOptions.getDescriptor());

    /**
     * Scalar fields that are pointers in Go ({@code *int32}, {@code *bool}, {@code *string}):
     * there a zero is a value ({@code replicas: 0}, {@code runAsUser: 0},
     * {@code automountServiceAccountToken: false}) and is kept; other zero scalars are Go's
     * omitted zero values. Read from k8s.io/api and apimachinery types.go (v0.32).
     */
    static final Set<String> POINTERS = Set.of(
            // meta/v1
            "ObjectMeta.deletionGracePeriodSeconds",
            "OwnerReference.controller", "OwnerReference.blockOwnerDeletion",
            "DeleteOptions.gracePeriodSeconds", "DeleteOptions.orphanDependents", "DeleteOptions.propagationPolicy",
            "Preconditions.uid", "Preconditions.resourceVersion",
            // core/v1
            "PodSpec.terminationGracePeriodSeconds", "PodSpec.activeDeadlineSeconds",
            "PodSpec.automountServiceAccountToken", "PodSpec.shareProcessNamespace", "PodSpec.priority",
            "PodSpec.runtimeClassName", "PodSpec.enableServiceLinks", "PodSpec.preemptionPolicy",
            "PodSpec.setHostnameAsFQDN", "PodSpec.hostUsers",
            "PodSecurityContext.runAsUser", "PodSecurityContext.runAsGroup", "PodSecurityContext.runAsNonRoot",
            "PodSecurityContext.fsGroup", "PodSecurityContext.fsGroupChangePolicy",
            "PodSecurityContext.supplementalGroupsPolicy",
            "SecurityContext.privileged", "SecurityContext.runAsUser", "SecurityContext.runAsGroup",
            "SecurityContext.runAsNonRoot", "SecurityContext.readOnlyRootFilesystem",
            "SecurityContext.allowPrivilegeEscalation", "SecurityContext.procMount",
            "SeccompProfile.localhostProfile", "AppArmorProfile.localhostProfile",
            "WindowsSecurityContextOptions.gmsaCredentialSpecName", "WindowsSecurityContextOptions.gmsaCredentialSpec",
            "WindowsSecurityContextOptions.runAsUserName", "WindowsSecurityContextOptions.hostProcess",
            "Container.restartPolicy", "Probe.terminationGracePeriodSeconds", "GRPCAction.service",
            "ConfigMapKeySelector.optional", "SecretKeySelector.optional",
            "ConfigMapEnvSource.optional", "SecretEnvSource.optional",
            "ConfigMapVolumeSource.defaultMode", "ConfigMapVolumeSource.optional",
            "SecretVolumeSource.defaultMode", "SecretVolumeSource.optional",
            "ProjectedVolumeSource.defaultMode", "DownwardAPIVolumeSource.defaultMode",
            "KeyToPath.mode", "DownwardAPIVolumeFile.mode",
            "ConfigMapProjection.optional", "SecretProjection.optional",
            "ServiceAccountTokenProjection.expirationSeconds",
            "ClusterTrustBundleProjection.name", "ClusterTrustBundleProjection.signerName",
            "ClusterTrustBundleProjection.optional",
            "HostPathVolumeSource.type", "CSIVolumeSource.readOnly", "CSIVolumeSource.fsType",
            "ISCSIVolumeSource.initiatorName",
            "PersistentVolumeClaimSpec.storageClassName", "PersistentVolumeClaimSpec.volumeMode",
            "PersistentVolumeClaimSpec.volumeAttributesClassName",
            "TopologySpreadConstraint.minDomains", "TopologySpreadConstraint.nodeAffinityPolicy",
            "TopologySpreadConstraint.nodeTaintsPolicy",
            "Toleration.tolerationSeconds", "PodDNSConfigOption.value",
            "VolumeMount.mountPropagation", "VolumeMount.recursiveReadOnly",
            "PodResourceClaim.resourceClaimName", "PodResourceClaim.resourceClaimTemplateName",
            "ClaimSource.resourceClaimName", "ClaimSource.resourceClaimTemplateName",
            "PodResourceClaimStatus.resourceClaimName",
            "ServiceSpec.ipFamilyPolicy", "ServiceSpec.allocateLoadBalancerNodePorts",
            "ServiceSpec.loadBalancerClass", "ServiceSpec.internalTrafficPolicy", "ServiceSpec.trafficDistribution",
            "ServicePort.appProtocol", "ClientIPConfig.timeoutSeconds", "LoadBalancerIngress.ipMode",
            "ContainerStatus.started", "ContainerStatus.stopSignal",
            "Secret.immutable", "ConfigMap.immutable",
            // apps/v1
            "DeploymentSpec.replicas", "DeploymentSpec.revisionHistoryLimit",
            "DeploymentSpec.progressDeadlineSeconds", "DeploymentStatus.collisionCount",
            "ReplicaSetSpec.replicas",
            // coordination/v1 (hand-written below)
            "LeaseSpec.holderIdentity", "LeaseSpec.leaseDurationSeconds", "LeaseSpec.leaseTransitions",
            "LeaseSpec.strategy", "LeaseSpec.preferredHolder");

    /** Go embedded structs ({@code json:",inline"}): a field in protobuf, flattened in JSON. */
    static final Set<String> INLINE = Set.of(
            "Volume.volumeSource", "Probe.handler", "EphemeralContainer.ephemeralContainerCommon",
            "PersistentVolumeSpec.persistentVolumeSource",
            // LocalObjectReference embedded: {"configMapKeyRef": {"name": ...}}
            "ConfigMapEnvSource.localObjectReference", "ConfigMapKeySelector.localObjectReference",
            "ConfigMapProjection.localObjectReference", "ConfigMapVolumeSource.localObjectReference",
            "SecretEnvSource.localObjectReference", "SecretKeySelector.localObjectReference",
            "SecretProjection.localObjectReference");

    /** coordination.k8s.io/v1 (not in client-java-proto 22): from k8s.io/api coordination/v1 types.go. */
    private static final String LEASE = """
            message k8s.io.api.coordination.v1.Lease
             1 metadata message k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta
             2 spec message k8s.io.api.coordination.v1.LeaseSpec
            message k8s.io.api.coordination.v1.LeaseSpec
             1 holderIdentity string pointer
             2 leaseDurationSeconds int32 pointer
             3 acquireTime message k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime
             4 renewTime message k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime
             5 leaseTransitions int32 pointer
             6 strategy string pointer
             7 preferredHolder string pointer
            """;

    private static final Path RESOURCE = Path.of("src/main/resources/io/karavel/apiserver/impl/protobuf",
            ProtobufSchema.RESOURCE);

    static String generate() {
        Map<String, Descriptor> closure = new TreeMap<>();
        Deque<Descriptor> todo = new ArrayDeque<>(ROOTS);
        todo.add(Meta.MicroTime.getDescriptor());
        while (!todo.isEmpty()) {
            Descriptor d = todo.pop();
            if (closure.putIfAbsent(d.getFullName(), d) != null) {
                continue;
            }
            for (FieldDescriptor f : d.getFields()) {
                if (f.getType() == FieldDescriptor.Type.MESSAGE) {
                    todo.add(f.getMessageType());
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("# Kubernetes protobuf messages of the kinds served, generated by ProtobufSchemaTest from\n")
                .append("# io.kubernetes:client-java-proto descriptors (Kubernetes' generated.proto) + Go facts.\n")
                .append("# message|map <full name>, then per field: <number> <json name> <type> [<message>]\n")
                .append("# [repeated] [pointer: Go pointer, zero kept] [inline: Go embedded struct, flattened]\n");
        for (Descriptor d : closure.values()) {
            out.append(d.getOptions().getMapEntry() ? "map " : "message ").append(d.getFullName()).append('\n');
            for (FieldDescriptor f : d.getFields()) {
                String key = d.getName() + "." + f.getName();
                out.append(' ').append(f.getNumber()).append(' ').append(f.getName()).append(' ')
                        .append(type(f));
                if (f.getType() == FieldDescriptor.Type.MESSAGE) {
                    out.append(' ').append(f.getMessageType().getFullName());
                }
                if (f.isRepeated()) {
                    out.append(" repeated");
                }
                if (POINTERS.contains(key)) {
                    out.append(" pointer");
                }
                if (INLINE.contains(key)) {
                    out.append(" inline");
                }
                out.append('\n');
            }
        }
        return out.append(LEASE).toString();
    }

    private static String type(FieldDescriptor f) {
        FieldDescriptorProto.Type t = f.toProto().getType();
        return switch (t) {
            case TYPE_STRING, TYPE_BYTES, TYPE_BOOL, TYPE_INT32, TYPE_INT64, TYPE_UINT32, TYPE_UINT64, TYPE_DOUBLE,
                    TYPE_FLOAT, TYPE_MESSAGE -> t.name().substring(5).toLowerCase(Locale.ROOT);
            default -> throw new IllegalStateException("unexpected protobuf type " + t + " of " + f.getFullName());
        };
    }

    @Test
    void shippedSchemaIsTheGeneratedOne() throws IOException {
        String generated = generate();
        if (Boolean.getBoolean("karavel.protoschema.write")) {
            Files.createDirectories(RESOURCE.getParent());
            Files.writeString(RESOURCE, generated);
        }
        String shipped;
        try (InputStream in = ProtobufSchema.class.getResourceAsStream(ProtobufSchema.RESOURCE)) {
            assertThat(in).as("resource " + ProtobufSchema.RESOURCE).isNotNull();
            shipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(shipped).as("kubernetes.protoschema is stale: regenerate it (see this class)").isEqualTo(generated);
    }

    @Test
    void everyPointerAndInlineFieldNamesARealField() {
        String generated = generate();
        Map<String, String> seen = new LinkedHashMap<>();
        String message = null;
        for (String line : generated.split("\n")) {
            if (line.startsWith("message ") || line.startsWith("map ")) {
                message = line.substring(line.lastIndexOf('.') + 1);
            } else if (!line.startsWith("#")) {
                String[] w = line.strip().split(" ");
                seen.put(message + "." + w[1], line);
            }
        }
        // client-java-proto 22 has Kubernetes 1.30's messages: newer fields may be listed ahead of time
        Set<String> newer = Set.of("ContainerStatus.stopSignal", "PodSecurityContext.supplementalGroupsPolicy",
                "PodResourceClaim.resourceClaimName", "PodResourceClaim.resourceClaimTemplateName");
        assertThat(POINTERS.stream().filter(k -> !newer.contains(k) && !seen.containsKey(k)).sorted().toList())
                .as("pointer fields not in the schema").isEmpty();
        for (String key : INLINE) {
            if (!key.startsWith("PersistentVolumeSpec")) {
                assertThat(seen).as("inline field " + key).containsKey(key);
            }
        }
    }
}
