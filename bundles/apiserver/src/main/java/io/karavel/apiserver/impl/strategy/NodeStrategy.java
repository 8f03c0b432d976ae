package io.karavel.apiserver.impl.strategy;

/** Nodes: the node agent registers a Node with its status, so create keeps {@code status}. */
public final class NodeStrategy implements ResourceStrategy {
    @Override
    public java.util.List<io.karavel.apiserver.impl.table.TableColumn> tableColumns() {
        return io.karavel.apiserver.impl.table.BuiltinColumns.NODE;
    }

    @Override
    public java.util.Set<String> selectableFields() {
        return io.karavel.apiserver.impl.selector.FieldSelector.withCommon("spec.unschedulable");
    }

    @Override
    public boolean resetStatusOnCreate() {
        return false;
    }
}
