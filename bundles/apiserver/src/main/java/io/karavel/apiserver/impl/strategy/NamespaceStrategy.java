package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceSpec;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Namespaces: names are DNS labels; a new namespace is {@code Active} with the {@code kubernetes}
 * finalizer and the {@code kubernetes.io/metadata.name} label, as Kubernetes sets them.
 */
public final class NamespaceStrategy implements ResourceStrategy {
    @Override
    public java.util.List<io.karavel.apiserver.impl.table.TableColumn> tableColumns() {
        return io.karavel.apiserver.impl.table.BuiltinColumns.NAMESPACE;
    }

    @Override
    public Names.Rule nameRule() {
        return Names.Rule.LABEL;
    }

    @Override
    public void applyDefaults(HasMetadata object) {
        Namespace ns = (Namespace) object;
        Map<String, String> labels =
                ns.getMetadata().getLabels() == null ? new HashMap<>() : new HashMap<>(ns.getMetadata().getLabels());
        labels.put("kubernetes.io/metadata.name", ns.getMetadata().getName());
        ns.getMetadata().setLabels(labels);
    }

    @Override
    public void prepareForCreate(HasMetadata object) {
        Namespace ns = (Namespace) object;
        NamespaceStatus status = new NamespaceStatus();
        status.setPhase("Active");
        ns.setStatus(status);
        // always, whatever the client sent (kubectl create namespace sends "spec: {}"): without it
        // the namespace controller would never empty and purge the namespace once it is deleted
        ns.setSpec(new NamespaceSpec(List.of("kubernetes")));
    }
}
