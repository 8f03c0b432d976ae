package io.karavel.controller.runtime.impl;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A toy controller: keeps a ConfigMap {@code <name>-copy} with the data of every ConfigMap
 * labelled {@code copy=true}, owned by it, and deletes the copy when the source goes. Counts its
 * reconciles, can be told to fail a key a few times, and to block a key until released.
 */
final class ConfigMapCopier implements Reconciler {
    final AtomicInteger reconciles = new AtomicInteger();
    final Map<String, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();
    volatile CountDownLatch entered = new CountDownLatch(1);
    volatile CountDownLatch release;
    volatile String blockOn;

    @Override
    public ControllerSpec spec() {
        return ControllerSpec.builder("configmap-copier", ConfigMap.class).owns(ConfigMap.class).workers(2).build();
    }

    @Override
    public Result reconcile(ObjectKey key, ReconcileContext context) throws Exception {
        reconciles.incrementAndGet();
        if (key.name().equals(blockOn)) {
            entered.countDown();
            release.await();
        }
        AtomicInteger failures = failuresLeft.get(key.name());
        if (failures != null && failures.getAndDecrement() > 0) {
            throw new IllegalStateException("injected failure for " + key);
        }
        Optional<ConfigMap> source = context.caches().of(ConfigMap.class).get(key);
        ObjectKey copyKey = new ObjectKey(key.namespace(), key.name() + "-copy");
        if (source.isEmpty()) {
            context.client().delete(ConfigMap.class, key.namespace(), copyKey.name(), null);
            return Result.done();
        }
        ConfigMap s = source.get();
        if (s.getMetadata().getLabels() == null || !"true".equals(s.getMetadata().getLabels().get("copy"))) {
            return Result.done();
        }
        Optional<ConfigMap> copy = context.caches().of(ConfigMap.class).get(copyKey);
        if (copy.isEmpty()) {
            if (!context.expectations().satisfied(key)) {
                return Result.done(); // our create is not in the cache yet
            }
            context.expectations().expectCreations(key, 1);
            try {
                context.client().create(new ConfigMapBuilder()
                        .withNewMetadata().withNamespace(key.namespace()).withName(copyKey.name())
                        .addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap").withName(key.name())
                        .withUid(s.getMetadata().getUid()).withController(true).endOwnerReference()
                        .endMetadata()
                        .withData(s.getData())
                        .build());
            } catch (RuntimeException e) {
                context.expectations().creationObserved(key);
                throw e;
            }
            context.events().event(s, "Normal", "Copied", "created " + copyKey.name());
        } else if (!Objects.equals(copy.get().getData(), s.getData())) {
            context.client().update(new ConfigMapBuilder(copy.get()).withData(s.getData()).build());
        }
        return Result.done();
    }
}
