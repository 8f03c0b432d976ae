package io.karavel.apiserver.impl.crd;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionNames;
import io.karavel.apiserver.impl.rest.Json;
import io.karavel.apiserver.impl.strategy.FieldErrors;
import io.karavel.apiserver.impl.strategy.Names;
import io.karavel.apiserver.impl.strategy.ResourceStrategy;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of {@code apiextensions.k8s.io/v1 CustomResourceDefinition}: defaults for the names,
 * and the checks Kubernetes makes (name is {@code <plural>.<group>}, DNS-1035 names, exactly one
 * storage version, a scope, a structural schema per version). Group, names and scope may not
 * change on update.
 */
public final class CrdStrategy implements ResourceStrategy {
    private static final String DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
    private static final Pattern DNS1035 = Pattern.compile(DNS1035_FMT);

    /** {@code kubectl get crd} shows NAME and CREATED AT, as Kubernetes' default table does. */
    @Override
    public List<io.karavel.apiserver.impl.table.TableColumn> tableColumns() {
        return List.of(new io.karavel.apiserver.impl.table.TableColumn("Created At", "date",
                "CreationTimestamp is when the object was created.", 0,
                o -> o.path("metadata").path("creationTimestamp").asText("")));
    }

    @Override
    public boolean tableAgeColumn() {
        return false;
    }

    @Override
    public void applyDefaults(HasMetadata object) {
        CustomResourceDefinition crd = (CustomResourceDefinition) object;
        if (crd.getSpec() == null || crd.getSpec().getNames() == null) {
            return;
        }
        CustomResourceDefinitionNames names = crd.getSpec().getNames();
        if (names.getKind() != null && !names.getKind().isEmpty()) {
            if (names.getSingular() == null || names.getSingular().isEmpty()) {
                names.setSingular(names.getKind().toLowerCase(Locale.ROOT));
            }
            if (names.getListKind() == null || names.getListKind().isEmpty()) {
                names.setListKind(names.getKind() + "List");
            }
        }
        if (crd.getSpec().getConversion() == null) {
            crd.getSpec().setConversion(new io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceConversion(
                    "None", null));
        }
    }

    @Override
    public void validate(HasMetadata object, FieldErrors errors) {
        JsonNode crd = Json.MAPPER.valueToTree(object);
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asText("");
        JsonNode names = spec.path("names");
        String plural = names.path("plural").asText("");
        String name = crd.path("metadata").path("name").asText("");
        if (!name.equals(plural + "." + group)) {
            errors.invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group");
        }
        if (group.isEmpty()) {
            errors.required("spec.group");
        } else if (Names.checkSubdomain(group) != null) {
            errors.invalid("spec.group", group, Names.checkSubdomain(group));
        } else if (!group.contains(".")) {
            errors.invalid("spec.group", group, "should be a domain with at least one dot");
        }
        String scope = spec.path("scope").asText("");
        if (scope.isEmpty()) {
            errors.required("spec.scope");
        } else if (!scope.equals("Namespaced") && !scope.equals("Cluster")) {
            errors.notSupported("spec.scope", scope, List.of("Cluster", "Namespaced"));
        }
        checkName(names, "plural", errors);
        checkName(names, "singular", errors);
        String kind = names.path("kind").asText("");
        if (kind.isEmpty()) {
            errors.required("spec.names.kind");
        } else if (dns1035(kind.toLowerCase(Locale.ROOT)) != null) {
            errors.invalid("spec.names.kind", kind, dns1035(kind.toLowerCase(Locale.ROOT)));
        }
        String listKind = names.path("listKind").asText("");
        if (listKind.isEmpty()) {
            errors.required("spec.names.listKind");
        } else if (dns1035(listKind.toLowerCase(Locale.ROOT)) != null) {
            errors.invalid("spec.names.listKind", listKind, dns1035(listKind.toLowerCase(Locale.ROOT)));
        } else if (listKind.equals(kind)) {
            errors.invalid("spec.names.listKind", listKind, "kind and listKind may not be the same");
        }
        int i = 0;
        for (JsonNode shortName : names.path("shortNames")) {
            String bad = dns1035(shortName.asText());
            if (bad != null) {
                errors.invalid("spec.names.shortNames[" + i + "]", shortName.asText(), bad);
            }
            i++;
        }

        JsonNode versions = spec.path("versions");
        if (!versions.isArray() || versions.isEmpty()) {
            errors.invalid("spec.versions", "[]", "must have exactly one version marked as storage version");
            return;
        }
        int storage = 0;
        Set<String> seen = new HashSet<>();
        i = 0;
        for (JsonNode v : versions) {
            String path = "spec.versions[" + i + "]";
            String version = v.path("name").asText("");
            if (version.isEmpty()) {
                errors.required(path + ".name");
            } else if (dns1035(version) != null) {
                errors.invalid(path + ".name", version, dns1035(version));
            } else if (!seen.add(version)) {
                errors.duplicate(path + ".name", version);
            }
            if (v.path("storage").asBoolean(false)) {
                storage++;
            }
            JsonNode schema = v.path("schema").path("openAPIV3Schema");
            if (schema.isMissingNode() || schema.isNull()) {
                errors.required(path + ".schema.openAPIV3Schema", "schemas are required");
            } else {
                StructuralSchema.checkSchema(schema, path + ".schema.openAPIV3Schema", errors);
            }
            JsonNode scale = v.path("subresources").path("scale");
            if (!scale.isMissingNode()) {
                for (String field : List.of("specReplicasPath", "statusReplicasPath")) {
                    String p = scale.path(field).asText("");
                    if (p.isEmpty()) {
                        errors.required(path + ".subresources.scale." + field);
                    } else if (!p.matches("(\\.[A-Za-z0-9_-]+)+")) {
                        errors.invalid(path + ".subresources.scale." + field, p, "should be a json path under .spec or .status");
                    }
                }
            }
            int c = 0;
            for (JsonNode column : v.path("additionalPrinterColumns")) {
                String cpath = path + ".additionalPrinterColumns[" + c++ + "]";
                if (column.path("name").asText("").isEmpty()) {
                    errors.required(cpath + ".name");
                }
                String type = column.path("type").asText("");
                if (!List.of("integer", "number", "string", "boolean", "date").contains(type)) {
                    errors.notSupported(cpath + ".type", type, List.of("boolean", "date", "integer", "number", "string"));
                }
                try {
                    JsonPathExpr.parse(column.path("jsonPath").asText(""));
                } catch (IllegalArgumentException e) {
                    errors.invalid(cpath + ".jsonPath", column.path("jsonPath").asText(""), e.getMessage());
                }
            }
            i++;
        }
        if (storage != 1) {
            errors.invalidRendered("spec.versions", versions.toString(), "must have exactly one version marked as storage version");
        }
    }

    @Override
    public void validateUpdate(HasMetadata object, HasMetadata old, FieldErrors errors) {
        JsonNode spec = Json.MAPPER.valueToTree(object).path("spec");
        JsonNode oldSpec = Json.MAPPER.valueToTree(old).path("spec");
        if (!spec.path("group").equals(oldSpec.path("group"))) {
            errors.invalid("spec.group", spec.path("group").asText(), "field is immutable");
        }
        if (!spec.path("scope").equals(oldSpec.path("scope"))) {
            errors.invalid("spec.scope", spec.path("scope").asText(), "field is immutable");
        }
    }

    private static void checkName(JsonNode names, String field, FieldErrors errors) {
        String value = names.path(field).asText("");
        if (value.isEmpty()) {
            errors.required("spec.names." + field);
        } else if (dns1035(value) != null) {
            errors.invalid("spec.names." + field, value, dns1035(value));
        }
    }

    /** Null when valid, else Kubernetes' DNS-1035 label message. */
    private static String dns1035(String value) {
        if (value.length() > 63) {
            return "must be no more than 63 characters";
        }
        if (!DNS1035.matcher(value).matches()) {
            return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an"
                    + " alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123',"
                    + " regex used for validation is '" + DNS1035_FMT + "')";
        }
        return null;
    }
}
