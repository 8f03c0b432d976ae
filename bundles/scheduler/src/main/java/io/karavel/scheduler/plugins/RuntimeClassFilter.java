package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.karavel.api.controller.Cache;
import io.karavel.api.controller.SharedInformers;
import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import java.util.Optional;
import java.util.function.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Keeps a pod with a {@code spec.runtimeClassName} off the nodes that do not offer its
 * RuntimeClass's handler: a node offers runtime {@code h} when it has the label
 * {@code runtime.karavel.io/h=true}, which the node agent sets for every runtime it has.
 * Kubernetes leaves this to the RuntimeClass's {@code scheduling.nodeSelector}, merged into the
 * pod at admission; with Karavel's node labels the scheduler can tell by itself, so a
 * RuntimeClass without scheduling constraints still lands on a node that can run it.
 * A pod whose RuntimeClass is gone (deleted after the pod was admitted) fits nowhere.
 */
@Component(service = FilterPlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + RuntimeClassFilter.NAME)
public final class RuntimeClassFilter implements FilterPlugin {
    public static final String NAME = "RuntimeClass";
    /** Prefix of the node labels naming the runtimes a node offers: {@code runtime.karavel.io/<handler>=true}. */
    public static final String HANDLER_LABEL_PREFIX = "runtime.karavel.io/";

    private final Function<String, Optional<String>> handlers;

    /** Reads RuntimeClasses from the shared informer cache (started here, so it is synced before pods need it). */
    @Activate
    public RuntimeClassFilter(@Reference SharedInformers informers) {
        Cache<RuntimeClass> cache = informers.of(RuntimeClass.class);
        this.handlers = name -> cache.get(null, name).map(RuntimeClass::getHandler);
    }

    /**
     * @param handlers the handler of the RuntimeClass of a name, empty when there is no such
     *     RuntimeClass
     */
    public RuntimeClassFilter(Function<String, Optional<String>> handlers) {
        this.handlers = handlers;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus filter(PodInfo pod, NodeInfo node) {
        var spec = pod.pod().getSpec();
        String runtimeClass = spec == null ? null : spec.getRuntimeClassName();
        if (runtimeClass == null || runtimeClass.isEmpty()) {
            return Pods.SKIP;
        }
        Optional<String> handler = handlers.apply(runtimeClass);
        if (handler.isEmpty()) {
            return FilterStatus.unschedulable("RuntimeClass \"" + runtimeClass + "\" not found");
        }
        if (!"true".equals(NodeFacts.of(node).labels().get(HANDLER_LABEL_PREFIX + handler.get()))) {
            return FilterStatus.unresolvable("node(s) do not offer runtime handler \"" + handler.get() + "\"");
        }
        return FilterStatus.success();
    }
}
