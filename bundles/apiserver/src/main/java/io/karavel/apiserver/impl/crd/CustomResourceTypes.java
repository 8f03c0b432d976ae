package io.karavel.apiserver.impl.crd;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.registry.Subresource;
import io.karavel.apiserver.impl.rest.Scales;
import io.karavel.apiserver.impl.table.TableColumn;
import io.karavel.apiserver.impl.table.Tables;
import java.time.Clock;
import io.karavel.apiserver.impl.selector.FieldSelector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Builds the {@link ResourceType}s a CRD (as stored JSON) serves: one per served version. */
final class CustomResourceTypes {
    private CustomResourceTypes() {}

    static List<ResourceType> of(JsonNode crd) {
        String name = crd.path("metadata").path("name").asText();
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        String kind = names.path("kind").asText();
        String plural = names.path("plural").asText();
        String singular = names.path("singular").asText(kind.toLowerCase(Locale.ROOT));
        List<String> shortNames = texts(names.path("shortNames"));
        List<String> categories = texts(names.path("categories"));
        boolean namespaced = !"Cluster".equals(spec.path("scope").asText());
        List<ResourceType> types = new ArrayList<>();
        Set<String> apiVersions = new HashSet<>();
        for (JsonNode v : spec.path("versions")) {
            if (v.path("served").asBoolean(false)) {
                apiVersions.add(spec.path("group").asText() + "/" + v.path("name").asText());
            }
        }
        for (JsonNode v : spec.path("versions")) {
            if (!v.path("served").asBoolean(false)) {
                continue;
            }
            List<Subresource> subresources = new ArrayList<>();
            JsonNode sub = v.path("subresources");
            boolean status = sub.has("status");
            if (status) {
                subresources.add(Subresource.status(kind));
            }
            Scales.Paths scale = null;
            if (sub.has("scale")) {
                JsonNode s = sub.get("scale");
                scale = new Scales.Paths(s.path("specReplicasPath").asText(".spec.replicas"),
                        s.path("statusReplicasPath").asText(".status.replicas"),
                        s.hasNonNull("labelSelectorPath") ? s.get("labelSelectorPath").asText() : null, false);
                subresources.add(Subresource.scale());
            }
            List<TableColumn> columns = new ArrayList<>();
            for (JsonNode c : v.path("additionalPrinterColumns")) {
                columns.add(column(c));
            }
            Set<String> selectable = new HashSet<>(FieldSelector.COMMON_FIELDS);
            for (JsonNode f : v.path("selectableFields")) {
                selectable.add(f.path("jsonPath").asText().replaceFirst("^\\.", ""));
            }
            CustomResourceStrategy strategy = new CustomResourceStrategy(name,
                    new StructuralSchema(v.path("schema").path("openAPIV3Schema")), columns, status, scale, selectable, apiVersions);
            types.add(new ResourceType(spec.path("group").asText(), v.path("name").asText(), kind, plural, singular,
                    namespaced, shortNames, categories, GenericKubernetesResource.class, subresources, strategy));
        }
        return types;
    }

    private static TableColumn column(JsonNode c) {
        String type = c.path("type").asText("string");
        JsonPathExpr path = JsonPathExpr.parse(c.path("jsonPath").asText());
        return new TableColumn(c.path("name").asText(), type, c.path("description").asText(""),
                c.path("priority").asInt(0), object -> cell(path.find(object), type));
    }

    private static Object cell(List<JsonNode> found, String type) {
        if (found.isEmpty() || found.get(0).isNull() || found.get(0).isMissingNode()) {
            return null;
        }
        if (found.size() > 1) {
            List<String> texts = new ArrayList<>();
            found.forEach(n -> texts.add(n.isValueNode() ? n.asText() : n.toString()));
            return String.join(",", texts);
        }
        JsonNode v = found.get(0);
        return switch (type) {
            case "integer" -> v.canConvertToLong() ? (Object) v.asLong() : v.asText();
            case "number" -> v.asText();
            case "boolean" -> v.isBoolean() ? (Object) v.asBoolean() : v.asText();
            case "date" -> Tables.age(v.asText(), Clock.systemUTC());
            default -> v.isValueNode() ? v.asText() : v.toString();
        };
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
