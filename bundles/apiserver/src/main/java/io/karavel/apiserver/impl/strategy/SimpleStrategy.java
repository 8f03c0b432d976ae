package io.karavel.apiserver.impl.strategy;

import io.karavel.apiserver.impl.table.TableColumn;
import java.util.List;
import java.util.Set;

/**
 * A strategy for kinds with no defaults or checks of their own (ConfigMap, Event, Lease): only
 * whether they have a spec, their selectable fields and their table columns.
 */
public final class SimpleStrategy implements ResourceStrategy {
    private final boolean hasSpec;
    private final Set<String> selectableFields;
    private final List<TableColumn> columns;

    public SimpleStrategy(boolean hasSpec, Set<String> selectableFields, List<TableColumn> columns) {
        this.hasSpec = hasSpec;
        this.selectableFields = Set.copyOf(selectableFields);
        this.columns = List.copyOf(columns);
    }

    @Override
    public boolean hasSpec() {
        return hasSpec;
    }

    @Override
    public Set<String> selectableFields() {
        return selectableFields;
    }

    @Override
    public List<TableColumn> tableColumns() {
        return columns;
    }
}
