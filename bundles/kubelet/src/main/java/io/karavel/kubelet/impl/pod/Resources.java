package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.karavel.api.runtime.ContainerConfig.ResourceLimits;
import java.math.BigDecimal;
import java.util.Map;

/** A container's {@code resources.limits} for the runtime. */
final class Resources {
    private Resources() {
    }

    static ResourceLimits limits(Container c) {
        if (c.getResources() == null || c.getResources().getLimits() == null) {
            return ResourceLimits.NONE;
        }
        Map<String, Quantity> limits = c.getResources().getLimits();
        long cpuMillis = limits.containsKey("cpu")
                ? Quantity.getAmountInBytes(limits.get("cpu")).multiply(BigDecimal.valueOf(1000)).longValue() : 0;
        long memory = limits.containsKey("memory") ? Quantity.getAmountInBytes(limits.get("memory")).longValue() : 0;
        return new ResourceLimits(cpuMillis, memory);
    }
}
