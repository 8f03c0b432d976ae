package io.karavel.api.scheduler;

import java.util.List;

/**
 * A profile as the scheduler reports it.
 *
 * @param name profile name
 * @param ready true when every plugin it names is installed
 * @param missingPlugins plugin names it uses that no bundle provides now
 * @param isDefault true when it serves {@code default-scheduler}
 */
public record ProfileInfo(String name, boolean ready, List<String> missingPlugins, boolean isDefault) {}
