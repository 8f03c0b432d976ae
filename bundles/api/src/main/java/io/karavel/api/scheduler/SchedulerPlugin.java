package io.karavel.api.scheduler;

/** A scheduling plugin. Implementations must be thread-safe: nodes are evaluated in parallel. */
public interface SchedulerPlugin {
    /** Service property naming the plugin; profiles refer to plugins by this name. */
    String NAME_PROPERTY = "plugin.name";

    /** The plugin's name, equal to its {@value #NAME_PROPERTY} service property. */
    String name();
}
