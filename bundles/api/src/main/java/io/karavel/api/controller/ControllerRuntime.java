package io.karavel.api.controller;

import java.util.List;

/** The controller runtime's report: what is bound and how it is doing. */
@org.osgi.annotation.versioning.ProviderType
public interface ControllerRuntime {
    /** Bound controllers, by name. */
    List<ControllerInfo> controllers();

    /** True while this master runs the controllers (always, without HA). */
    boolean leading();
}
