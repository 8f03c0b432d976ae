package io.karavel.apiserver.impl.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.IntStr.IntOrString;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Meta.ObjectMeta;
import io.kubernetes.client.proto.Resource.Quantity;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Apps;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Real protobuf bytes (from Kubernetes' generated message classes) to JSON objects. */
class ProtobufObjectsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ProtobufObjects objects = ProtobufObjects.builtin();

    /** The body kubectl sends: k8s\0 + runtime.Unknown. */
    static byte[] envelope(String apiVersion, String kind, Message object) {
        return envelope(apiVersion, kind, object.toByteString(), "");
    }

    static byte[] envelope(String apiVersion, String kind, ByteString raw, String contentEncoding) {
        Runtime.Unknown unknown = Runtime.Unknown.newBuilder()
                .setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
                .setRaw(raw)
                .setContentEncoding(contentEncoding)
                .setContentType("")
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x6b, 0x38, 0x73, 0x00});
        out.writeBytes(unknown.toByteArray());
        return out.toByteArray();
    }

    /** ObjectMeta as Go's encoder writes it: every non-pointer field, zero or not, and a zero creationTimestamp. */
    private static ObjectMeta.Builder meta(String name) {
        return ObjectMeta.newBuilder().setName(name).setGenerateName("").setNamespace("").setSelfLink("")
                .setUid("").setResourceVersion("").setGeneration(0)
                .setCreationTimestamp(Meta.Time.getDefaultInstance());
    }

    private JsonNode decode(byte[] body) {
        return objects.decode(body);
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    @Test
    void deploymentAsKubectlCreateDeploymentSendsIt() throws Exception {
        V1Apps.Deployment deployment = V1Apps.Deployment.newBuilder()
                .setMetadata(meta("web").putLabels("app", "web"))
                .setSpec(V1Apps.DeploymentSpec.newBuilder()
                        .setReplicas(0)
                        .setSelector(Meta.LabelSelector.newBuilder().putMatchLabels("app", "web"))
                        .setTemplate(V1.PodTemplateSpec.newBuilder()
                                .setMetadata(meta("").putLabels("app", "web"))
                                .setSpec(V1.PodSpec.newBuilder()
                                        .addContainers(V1.Container.newBuilder().setName("nginx").setImage("nginx")
                                                .setResources(V1.ResourceRequirements.getDefaultInstance())
                                                .setStdin(false).setTty(false).setTerminationMessagePath("")
                                                .addPorts(V1.ContainerPort.newBuilder().setContainerPort(80)
                                                        .setHostPort(0).setProtocol("")))
                                        .setRestartPolicy("").setDnsPolicy("").setHostNetwork(false)
                                        .setAutomountServiceAccountToken(false)))
                        .setStrategy(V1Apps.DeploymentStrategy.newBuilder().setType(""))
                        .setMinReadySeconds(0).setPaused(false))
                .setStatus(V1Apps.DeploymentStatus.newBuilder().setReplicas(0).setObservedGeneration(0))
                .build();

        JsonNode decoded = decode(envelope("apps/v1", "Deployment", deployment));

        assertThat(decoded).isEqualTo(json("""
                {'apiVersion':'apps/v1','kind':'Deployment',
                 'metadata':{'name':'web','labels':{'app':'web'}},
                 'spec':{'replicas':0,'selector':{'matchLabels':{'app':'web'}},
                   'template':{'metadata':{'labels':{'app':'web'}},
                     'spec':{'containers':[{'name':'nginx','image':'nginx','resources':{},
                               'ports':[{'containerPort':80}]}],
                             'automountServiceAccountToken':false}},
                   'strategy':{}},
                 'status':{}}"""));
    }

    @Test
    void secretBytesAreBase64AndMapsKeepEmptyValues() throws Exception {
        V1.Secret secret = V1.Secret.newBuilder()
                .setMetadata(meta("s").setNamespace("team"))
                .putData("password", ByteString.copyFrom("s3cr\u00e9t", StandardCharsets.UTF_8))
                .putData("empty", ByteString.EMPTY)
                .setType("Opaque")
                .build();
        assertThat(decode(envelope("v1", "Secret", secret))).isEqualTo(json("""
                {'apiVersion':'v1','kind':'Secret','metadata':{'name':'s','namespace':'team'},
                 'data':{'password':'czNjcsOpdA==','empty':''},'type':'Opaque'}"""));

        V1.ConfigMap configMap = V1.ConfigMap.newBuilder().setMetadata(meta("c"))
                .putData("a", "b").putData("blank", "").build();
        assertThat(decode(envelope("v1", "ConfigMap", configMap)).get("data"))
                .isEqualTo(json("{'a':'b','blank':''}"));
    }

    @Test
    void serviceIntOrStringAndPodSpecialTypes() throws Exception {
        V1.Service service = V1.Service.newBuilder()
                .setMetadata(meta("svc"))
                .setSpec(V1.ServiceSpec.newBuilder().setType("ClusterIP").setClusterIP("")
                        .addPorts(V1.ServicePort.newBuilder().setName("80-8080").setProtocol("TCP").setPort(80)
                                .setTargetPort(IntOrString.newBuilder().setType(0).setIntVal(8080)).setNodePort(0))
                        .addPorts(V1.ServicePort.newBuilder().setName("web").setPort(81)
                                .setTargetPort(IntOrString.newBuilder().setType(1).setStrVal("http")))
                        .putSelector("app", "svc"))
                .build();
        assertThat(decode(envelope("v1", "Service", service)).get("spec")).isEqualTo(json("""
                {'type':'ClusterIP','ports':[{'name':'80-8080','protocol':'TCP','port':80,'targetPort':8080},
                                             {'name':'web','port':81,'targetPort':'http'}],
                 'selector':{'app':'svc'}}"""));

        V1.Pod pod = V1.Pod.newBuilder()
                .setMetadata(meta("p").setCreationTimestamp(Meta.Time.newBuilder().setSeconds(1700000000))
                        .setDeletionGracePeriodSeconds(0))
                .setSpec(V1.PodSpec.newBuilder()
                        .addContainers(V1.Container.newBuilder().setName("c").setImage("busybox")
                                .setResources(V1.ResourceRequirements.newBuilder()
                                        .putLimits("memory", Quantity.newBuilder().setString("128Mi").build()))
                                .setSecurityContext(V1.SecurityContext.newBuilder().setRunAsUser(0))
                                .setLivenessProbe(V1.Probe.newBuilder().setInitialDelaySeconds(5)
                                        .setHandler(V1.ProbeHandler.newBuilder().setHttpGet(
                                                V1.HTTPGetAction.newBuilder().setPath("/healthz")
                                                        .setPort(IntOrString.newBuilder().setType(0).setIntVal(8080))))))
                        .addVolumes(V1.Volume.newBuilder().setName("cfg").setVolumeSource(
                                V1.VolumeSource.newBuilder().setConfigMap(V1.ConfigMapVolumeSource.newBuilder()
                                        .setLocalObjectReference(V1.LocalObjectReference.newBuilder().setName("c"))
                                        .setDefaultMode(420))))
                        .addTolerations(V1.Toleration.newBuilder().setKey("k").setTolerationSeconds(0)))
                .build();
        JsonNode decoded = decode(envelope("v1", "Pod", pod));
        assertThat(decoded.get("metadata")).isEqualTo(json("""
                {'name':'p','creationTimestamp':'2023-11-14T22:13:20Z','deletionGracePeriodSeconds':0}"""));
        assertThat(decoded.at("/spec/containers/0")).isEqualTo(json("""
                {'name':'c','image':'busybox','resources':{'limits':{'memory':'128Mi'}},
                 'securityContext':{'runAsUser':0},
                 'livenessProbe':{'httpGet':{'path':'/healthz','port':8080},'initialDelaySeconds':5}}"""));
        assertThat(decoded.at("/spec/volumes/0")).isEqualTo(json("""
                {'name':'cfg','configMap':{'name':'c','defaultMode':420}}"""));
        assertThat(decoded.at("/spec/tolerations/0")).isEqualTo(json("{'key':'k','tolerationSeconds':0}"));
    }

    @Test
    void microTimeOfALease() throws Exception {
        // Lease is not in client-java-proto: written by hand as Go's encoder would (fields 1 and 2 of LeaseSpec)
        byte[] spec = concat(new byte[] {0x0a, 0x01, 'n', 0x10, 0x00},
                new byte[] {0x1a}, lengthPrefixed(Meta.MicroTime.newBuilder().setSeconds(1700000000)
                        .setNanos(123456000).build().toByteArray()));
        byte[] lease = concat(new byte[] {0x0a}, lengthPrefixed(meta("l").build().toByteArray()),
                new byte[] {0x12}, lengthPrefixed(spec));
        JsonNode decoded = decode(envelope("coordination.k8s.io/v1", "Lease", ByteString.copyFrom(lease), ""));
        assertThat(decoded.get("spec")).isEqualTo(json("""
                {'holderIdentity':'n','leaseDurationSeconds':0,'acquireTime':'2023-11-14T22:13:20.123456Z'}"""));
    }

    @Test
    void fieldsNewerThanTheSchemaAreNamedByNumber() throws Exception {
        // PodSpec field 40 (resources, Kubernetes 1.32) is not in the schema
        byte[] podSpec = concat(V1.PodSpec.newBuilder()
                .addContainers(V1.Container.newBuilder().setName("c").setImage("i")).build().toByteArray(),
                new byte[] {(byte) 0xc2, 0x02, 0x00});
        byte[] pod = concat(new byte[] {0x12}, lengthPrefixed(podSpec));
        JsonNode decoded = decode(envelope("v1", "Pod", ByteString.copyFrom(pod), ""));
        assertThat(decoded.get("spec")).isEqualTo(json("""
                {'containers':[{'name':'c','image':'i'}],'protobuf:40':'wire type 2'}"""));
    }

    @Test
    void malformedBodiesAreRejectedWithTheReason() {
        V1.ConfigMap configMap = V1.ConfigMap.newBuilder().setMetadata(meta("c")).putData("a", "b").build();
        byte[] body = envelope("v1", "ConfigMap", configMap);

        assertThatThrownBy(() -> decode("{}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtobufException.class).hasMessageContaining("magic")
                .matches(e -> !((ProtobufException) e).unsupported());
        assertThatThrownBy(() -> decode(Arrays.copyOf(body, body.length / 2)))
                .isInstanceOf(ProtobufException.class).hasMessageContaining("runs past the end")
                .matches(e -> !((ProtobufException) e).unsupported());
        byte[] badRaw = envelope("v1", "ConfigMap", ByteString.copyFrom(new byte[] {0x0a, (byte) 0xff}), "");
        assertThatThrownBy(() -> decode(badRaw)).isInstanceOf(ProtobufException.class)
                .hasMessageContaining("truncated varint");
        byte[] wrongWireType = envelope("v1", "ConfigMap", ByteString.copyFrom(new byte[] {0x08, 0x01}), "");
        assertThatThrownBy(() -> decode(wrongWireType)).isInstanceOf(ProtobufException.class)
                .hasMessageContaining("wire type 0");
    }

    @Test
    void kindsWithoutASchemaAndEncodingsAreUnsupported() {
        byte[] crd = envelope("example.com/v1", "Widget", ByteString.EMPTY, "");
        assertThatThrownBy(() -> decode(crd)).isInstanceOf(ProtobufException.class)
                .hasMessage("no protobuf schema for kind \"Widget\" in version \"example.com/v1\": send it as application/json")
                .matches(e -> ((ProtobufException) e).unsupported());
        byte[] gzip = envelope("v1", "ConfigMap", ByteString.EMPTY, "gzip");
        assertThatThrownBy(() -> decode(gzip)).isInstanceOf(ProtobufException.class)
                .hasMessageContaining("contentEncoding \"gzip\"")
                .matches(e -> ((ProtobufException) e).unsupported());
    }

    @Test
    void messageNamesOfBuiltinKinds() {
        assertThat(ProtobufObjects.messageName("v1", "Namespace")).isEqualTo("k8s.io.api.core.v1.Namespace");
        assertThat(ProtobufObjects.messageName("apps/v1", "ReplicaSet")).isEqualTo("k8s.io.api.apps.v1.ReplicaSet");
        assertThat(ProtobufObjects.messageName("coordination.k8s.io/v1", "Lease"))
                .isEqualTo("k8s.io.api.coordination.v1.Lease");
        assertThat(ProtobufObjects.messageName("example.com/v1", "Widget")).isNull();
    }

    private static byte[] lengthPrefixed(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = bytes.length;
        while (n >= 0x80) {
            out.write((n & 0x7f) | 0x80);
            n >>>= 7;
        }
        out.write(n);
        out.writeBytes(bytes);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
