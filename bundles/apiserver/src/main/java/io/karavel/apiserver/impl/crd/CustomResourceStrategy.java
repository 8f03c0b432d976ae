package io.karavel.apiserver.impl.crd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.apiserver.impl.rest.Json;
import io.karavel.apiserver.impl.rest.Scales;
import io.karavel.apiserver.impl.strategy.FieldErrors;
import io.karavel.apiserver.impl.strategy.ResourceStrategy;
import io.karavel.apiserver.impl.table.TableColumn;
import java.util.List;
import java.util.Set;

/**
 * The rules of one served version of a custom resource, from its CRD: pruning, defaults and
 * validation by the version's schema, printer columns, {@code /status} and {@code /scale}.
 * Objects decode into {@code GenericKubernetesResource}.
 */
final class CustomResourceStrategy implements ResourceStrategy {
    private final String crdName;
    private final StructuralSchema schema;
    private final List<TableColumn> columns;
    private final boolean statusSubresource;
    private final Scales.Paths scale;
    private final Set<String> selectableFields;
    private final Set<String> apiVersions;

    /** @param apiVersions every served apiVersion of the CRD ({@code group/version}) */
    CustomResourceStrategy(String crdName, StructuralSchema schema, List<TableColumn> columns,
            boolean statusSubresource, Scales.Paths scale, Set<String> selectableFields, Set<String> apiVersions) {
        this.crdName = crdName;
        this.schema = schema;
        this.columns = List.copyOf(columns);
        this.statusSubresource = statusSubresource;
        this.scale = scale;
        this.selectableFields = Set.copyOf(selectableFields);
        this.apiVersions = Set.copyOf(apiVersions);
    }

    /** The CRD this type comes from. */
    String crdName() {
        return crdName;
    }

    /** {@code metadata.name}, {@code metadata.namespace} and the version's {@code selectableFields}. */
    @Override
    public Set<String> selectableFields() {
        return selectableFields;
    }

    /** The CRD's versions convert with {@code None}: an object of any served version is accepted. */
    @Override
    public boolean acceptsApiVersion(String apiVersion) {
        return apiVersions.contains(apiVersion);
    }

    @Override
    public boolean resetStatusOnCreate() {
        return statusSubresource;
    }

    @Override
    public List<TableColumn> tableColumns() {
        return columns;
    }

    @Override
    public boolean tableAgeColumn() {
        return columns.isEmpty();
    }

    @Override
    public boolean strategicMergePatch() {
        return false;
    }

    @Override
    public List<String> pruneUnknownFields(ObjectNode object) {
        return schema.prune(object);
    }

    @Override
    public Scales.Paths scalePaths() {
        return scale == null ? Scales.WORKLOAD : scale;
    }

    @Override
    public void validate(HasMetadata object, FieldErrors errors) {
        schema.validate(Json.MAPPER.valueToTree(object), errors);
    }
}
