/**
 * The scheduler's extension points, after the Kubernetes scheduling framework.
 *
 * <p>Plugins ({@link io.karavel.api.scheduler.FilterPlugin}, {@link io.karavel.api.scheduler.ScorePlugin})
 * are OSGi services registered with the property {@value io.karavel.api.scheduler.SchedulerPlugin#NAME_PROPERTY}.
 * A strategy is a {@link io.karavel.api.scheduler.SchedulingProfile} service: a name (what pods
 * put in {@code spec.schedulerName}), the filters it runs and the scores it weights. Installing,
 * replacing or removing plugin and profile bundles takes effect on the next scheduling cycle; a
 * profile whose plugins are missing is reported not ready and its pods wait.
 */
@Export
@Version("1.0.0")
package io.karavel.api.scheduler;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
