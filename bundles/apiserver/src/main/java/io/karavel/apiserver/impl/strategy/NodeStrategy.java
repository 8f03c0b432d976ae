package io.karavel.apiserver.impl.strategy;

/** Nodes: the node agent registers a Node with its status, so create keeps {@code status}. */
public final class NodeStrategy implements ResourceStrategy {
    @Override
    public boolean resetStatusOnCreate() {
        return false;
    }
}
