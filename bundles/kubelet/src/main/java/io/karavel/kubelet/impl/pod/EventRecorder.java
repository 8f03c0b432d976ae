package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.karavel.kubelet.impl.Times;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the node agent's Events on pods ({@code kubectl describe pod} shows them): Created,
 * Started, Killing, BackOff, Unhealthy, Failed... as the kubelet does, with source
 * {@code kubelet} and this node. A repeat of the same event on the same object within the
 * recently seen ones bumps {@code count} and {@code lastTimestamp} instead of creating another,
 * like Kubernetes' event correlator. Recording never blocks a pod sync: the API calls run on the
 * work pool, one at a time per node, and a failure only costs the event.
 */
final class EventRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    private static final int RECENT = 256;

    private final KubernetesClient client;
    private final String nodeName;
    private final Executor work;
    private final Clock clock;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<String, Event> recent = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Event> eldest) {
            return size() > RECENT;
        }
    };

    EventRecorder(KubernetesClient client, String nodeName, Executor work, Clock clock) {
        this.client = client;
        this.nodeName = nodeName;
        this.work = work;
        this.clock = clock;
    }

    void normal(Pod pod, String container, String reason, String message) {
        record(pod, container, "Normal", reason, message);
    }

    void warning(Pod pod, String container, String reason, String message) {
        record(pod, container, "Warning", reason, message);
    }

    private void record(Pod pod, String container, String type, String reason, String message) {
        String namespace = pod.getMetadata().getNamespace();
        String fieldPath = container == null ? null : "spec.containers{" + container + "}";
        String key = pod.getMetadata().getUid() + "|" + fieldPath + "|" + type + "|" + reason + "|" + message;
        String now = Times.format(clock.instant());
        String name = pod.getMetadata().getName() + "." + Long.toHexString(System.currentTimeMillis() * 1000
                + sequence.incrementAndGet() % 1000);
        work.execute(() -> {
            synchronized (recent) {
                try {
                    Event seen = recent.get(key);
                    Event written;
                    if (seen != null) {
                        Event bumped = new EventBuilder(seen).withCount(seen.getCount() == null ? 2 : seen.getCount() + 1)
                                .withLastTimestamp(now).build();
                        try {
                            written = client.v1().events().inNamespace(namespace).resource(bumped).update();
                        } catch (KubernetesClientException e) {
                            written = create(pod, name, fieldPath, type, reason, message, now);
                        }
                    } else {
                        written = create(pod, name, fieldPath, type, reason, message, now);
                    }
                    recent.put(key, written);
                } catch (KubernetesClientException | IllegalStateException e) {
                    LOG.debug("event {} on pod {}/{} not recorded: {}", reason, namespace, pod.getMetadata().getName(),
                            e.getMessage());
                }
            }
        });
    }

    private Event create(Pod pod, String name, String fieldPath, String type, String reason, String message,
                         String now) {
        Event event = new EventBuilder()
                .withNewMetadata().withName(name).withNamespace(pod.getMetadata().getNamespace()).endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("Pod")
                .withNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid()).withFieldPath(fieldPath).endInvolvedObject()
                .withType(type).withReason(reason).withMessage(message)
                .withNewSource().withComponent("kubelet").withHost(nodeName).endSource()
                .withReportingComponent("kubelet").withReportingInstance(nodeName)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build();
        return client.v1().events().inNamespace(pod.getMetadata().getNamespace()).resource(event).create();
    }
}
