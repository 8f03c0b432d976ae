package io.karavel.apiserver.impl.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.karavel.apiserver.impl.protobuf.ProtobufSchema.Field;
import io.karavel.apiserver.impl.protobuf.ProtobufSchema.Message;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every JSON name the protobuf conversion can produce is a property of the fabric8 model class
 * at that place: catches a proto name that differs from the JSON name and a missing
 * {@code inline} (a Go embedded struct would appear as an extra level).
 */
class ProtobufSchemaModelTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> OPAQUE = Set.of(
            "k8s.io.apimachinery.pkg.util.intstr.IntOrString", "k8s.io.apimachinery.pkg.api.resource.Quantity",
            "k8s.io.apimachinery.pkg.apis.meta.v1.Time", "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime",
            "k8s.io.apimachinery.pkg.runtime.RawExtension", "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1");

    /** Fields of Kubernetes 1.30 (client-java-proto 22) that the 1.32 model no longer has. */
    private static final Set<String> GONE = Set.of("PodResourceClaim.source");

    private final ProtobufSchema schema = ProtobufSchema.builtin();
    private final Set<String> visited = new HashSet<>();
    private final Set<String> missing = new TreeSet<>();

    @Test
    void everyFieldIsAModelProperty() {
        check("k8s.io.api.core.v1.Namespace", io.fabric8.kubernetes.api.model.Namespace.class);
        check("k8s.io.api.core.v1.ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class);
        check("k8s.io.api.core.v1.Secret", io.fabric8.kubernetes.api.model.Secret.class);
        check("k8s.io.api.core.v1.Pod", io.fabric8.kubernetes.api.model.Pod.class);
        check("k8s.io.api.core.v1.Service", io.fabric8.kubernetes.api.model.Service.class);
        check("k8s.io.api.core.v1.Node", io.fabric8.kubernetes.api.model.Node.class);
        check("k8s.io.api.core.v1.Event", io.fabric8.kubernetes.api.model.Event.class);
        check("k8s.io.api.apps.v1.Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class);
        check("k8s.io.api.apps.v1.ReplicaSet", io.fabric8.kubernetes.api.model.apps.ReplicaSet.class);
        check("k8s.io.api.coordination.v1.Lease", io.fabric8.kubernetes.api.model.coordination.v1.Lease.class);
        check("k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions", io.fabric8.kubernetes.api.model.DeleteOptions.class);
        assertThat(visited).hasSizeGreaterThan(100);
        assertThat(missing).as("protobuf fields the fabric8 model does not have").isEmpty();
    }

    private void check(String messageName, Class<?> modelClass) {
        check(messageName, MAPPER.constructType(modelClass));
    }

    private void check(String messageName, JavaType model) {
        if (OPAQUE.contains(messageName) || !visited.add(messageName + "@" + model.getRawClass().getName())) {
            return;
        }
        Message message = schema.message(messageName);
        assertThat(message).as(messageName).isNotNull();
        Map<String, JavaType> properties = new java.util.HashMap<>();
        for (BeanPropertyDefinition p :
                MAPPER.getSerializationConfig().introspect(model).findProperties()) {
            properties.put(p.getName(), p.getPrimaryType());
        }
        String simple = messageName.substring(messageName.lastIndexOf('.') + 1);
        for (Field f : message.fields().values()) {
            if (f.inline()) {
                check(f.messageType(), model);
                continue;
            }
            JavaType type = properties.get(f.name());
            if (type == null) {
                if (!GONE.contains(simple + "." + f.name())) {
                    missing.add(simple + "." + f.name() + " (" + model.getRawClass().getSimpleName() + ")");
                }
                continue;
            }
            if (f.type() != ProtobufSchema.Type.MESSAGE) {
                continue;
            }
            Message fieldMessage = schema.message(f.messageType());
            if (fieldMessage.mapEntry()) {
                Field value = fieldMessage.fields().get(2);
                if (value.type() == ProtobufSchema.Type.MESSAGE && type.getContentType() != null) {
                    check(value.messageType(), type.getContentType());
                }
            } else if (f.repeated()) {
                check(f.messageType(), type.getContentType());
            } else {
                check(f.messageType(), type);
            }
        }
    }
}
