package io.karavel.apiserver.impl.service;

/**
 * The Service an allocation belongs to. The uid tells a Service from a later one of the same
 * name: only the owner's uid may release an allocation.
 */
public record AllocationOwner(String namespace, String name, String uid) {
    @Override
    public String toString() {
        return namespace + "/" + name + " (uid " + uid + ")";
    }
}
