package io.karavel.apiserver.impl.patch;

/**
 * How a strategic merge patch treats each list, looked up by the list's path (field names from
 * the object root joined by dots, list indices left out, e.g. {@code spec.template.spec.containers}).
 */
public interface PatchMeta {

    /** How one list field merges. */
    sealed interface ListStrategy permits Atomic, MergeByKey, MergePrimitives {}

    /** The patch's list replaces the whole list (the default). */
    record Atomic() implements ListStrategy {}

    /** Items are objects identified by {@code key}: matching items merge, others are added. */
    record MergeByKey(String key) implements ListStrategy {}

    /** A list of scalars merged as a set (e.g. {@code metadata.finalizers}). */
    record MergePrimitives() implements ListStrategy {}

    ListStrategy ATOMIC = new Atomic();
    ListStrategy PRIMITIVES = new MergePrimitives();

    ListStrategy listStrategy(String path);
}
