package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.ContainerStatus.State;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.kubelet.impl.Times;
import io.karavel.kubelet.impl.probe.ContainerProbes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pod's status as the kubelet computes it from what runs: phase (the kubelet's getPhase
 * rules), conditions with preserved transition times, container statuses with current and last
 * state, restart counts (the attempt number the runtime keeps on each container), IPs, QoS class.
 */
final class PodStatuses {

    record Result(PodStatus status, boolean terminal) {
    }

    private PodStatuses() {
    }

    static Result build(Pod pod, PodContext ctx, PodSandbox sandbox, Map<String, List<ContainerStatus>> byName,
                        Map<String, PodWorker.Waiting> waiting, Map<String, ContainerProbes> probes,
                        boolean initialized, boolean initFailed, Instant now) {
        PodStatus previous = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        String restartPolicy = PodWorker.restartPolicy(pod);
        String runtimeName = ctx.runtime().name();
        PodWorker.Waiting podWaiting = waiting.get("");

        List<io.fabric8.kubernetes.api.model.ContainerStatus> initStatuses = new ArrayList<>();
        List<String> incompleteInit = new ArrayList<>();
        for (Container c : nullToEmpty(pod.getSpec().getInitContainers())) {
            io.fabric8.kubernetes.api.model.ContainerStatus s = containerStatus(c, byName.get(c.getName()),
                    waiting.getOrDefault(c.getName(), podWaiting), probes.get(c.getName()), runtimeName, "PodInitializing");
            initStatuses.add(s);
            if (s.getState().getTerminated() == null || s.getState().getTerminated().getExitCode() != 0) {
                incompleteInit.add(c.getName());
            }
        }
        List<io.fabric8.kubernetes.api.model.ContainerStatus> statuses = new ArrayList<>();
        List<String> unready = new ArrayList<>();
        int running = 0;
        int waitingCount = 0;
        int stopped = 0;
        int succeeded = 0;
        for (Container c : pod.getSpec().getContainers()) {
            // a sandbox that cannot be created says why on every container (else: still initializing)
            PodWorker.Waiting w = initialized ? waiting.getOrDefault(c.getName(), podWaiting)
                    : podWaiting != null ? podWaiting : new PodWorker.Waiting("PodInitializing", null);
            io.fabric8.kubernetes.api.model.ContainerStatus s = containerStatus(c, byName.get(c.getName()), w,
                    probes.get(c.getName()), runtimeName, "ContainerCreating");
            statuses.add(s);
            if (!Boolean.TRUE.equals(s.getReady())) {
                unready.add(c.getName());
            }
            ContainerState state = s.getState();
            if (state.getRunning() != null) {
                running++;
            } else if (state.getTerminated() != null) {
                stopped++;
                if (state.getTerminated().getExitCode() == 0) {
                    succeeded++;
                }
            } else if (s.getLastState() != null && s.getLastState().getTerminated() != null) {
                stopped++; // waiting to restart after a crash
            } else {
                waitingCount++;
            }
        }

        String phase;
        if (initFailed) {
            phase = "Failed";
        } else if (!initialized) {
            phase = "Pending";
        } else if (waitingCount > 0) {
            phase = "Pending";
        } else if (running > 0) {
            phase = "Running";
        } else if (stopped > 0) {
            if ("Always".equals(restartPolicy)) {
                phase = "Running";
            } else if (stopped == succeeded) {
                phase = "Succeeded";
            } else if ("Never".equals(restartPolicy)) {
                phase = "Failed";
            } else {
                phase = "Running";
            }
        } else {
            phase = "Pending";
        }
        boolean terminal = phase.equals("Succeeded") || phase.equals("Failed");

        String time = Times.format(now);
        List<PodCondition> conditions = new ArrayList<>();
        boolean sandboxReady = sandbox != null && sandbox.ready();
        conditions.add(condition(previous, "PodReadyToStartContainers", sandboxReady, null, null, time));
        conditions.add(condition(previous, "Initialized", incompleteInit.isEmpty() && initialized,
                "ContainersNotInitialized", "containers with incomplete status: " + incompleteInit, time));
        boolean allReady = unready.isEmpty() && !terminal;
        String notReadyReason = terminal ? "PodCompleted" : "ContainersNotReady";
        String notReadyMessage = terminal ? null : "containers with unready status: " + unready;
        conditions.add(condition(previous, "ContainersReady", allReady, notReadyReason, notReadyMessage, time));
        conditions.add(condition(previous, "Ready", allReady, notReadyReason, notReadyMessage, time));
        conditions.add(condition(previous, "PodScheduled", true, null, null, time));

        PodStatusBuilder status = new PodStatusBuilder()
                .withPhase(phase)
                .withConditions(conditions)
                .withHostIP(ctx.settings().nodeAddress())
                .withHostIPs(new HostIP(ctx.settings().nodeAddress()))
                .withStartTime(previous.getStartTime() != null ? previous.getStartTime() : time)
                .withContainerStatuses(statuses)
                .withQosClass(qosClass(pod));
        if (!initStatuses.isEmpty()) {
            status.withInitContainerStatuses(initStatuses);
        }
        if (sandbox != null && sandbox.ip() != null) {
            status.withPodIP(sandbox.ip()).withPodIPs(new PodIP(sandbox.ip()));
        } else if (previous.getPodIP() != null) {
            status.withPodIP(previous.getPodIP()).withPodIPs(previous.getPodIPs());
        }
        return new Result(status.build(), terminal);
    }

    private static io.fabric8.kubernetes.api.model.ContainerStatus containerStatus(Container spec,
            List<ContainerStatus> instances, PodWorker.Waiting waiting, ContainerProbes probes, String runtime,
            String defaultWaitingReason) {
        ContainerStatus latest = instances == null || instances.isEmpty() ? null : instances.get(0);
        ContainerStatus previous = instances == null || instances.size() < 2 ? null : instances.get(1);
        ContainerStatusBuilder s = new ContainerStatusBuilder()
                .withName(spec.getName())
                .withImage(spec.getImage())
                .withImageID(latest == null || latest.imageRef() == null ? "" : latest.imageRef())
                .withRestartCount(latest == null ? 0 : latest.attempt());
        if (latest != null) {
            s.withContainerID(runtime + "://" + latest.id());
        }
        boolean isRunning = latest != null && latest.state() == State.RUNNING;
        ContainerState state;
        ContainerState last = previous == null ? new ContainerState() : terminated(previous, runtime);
        if (isRunning) {
            state = new ContainerStateBuilder().withNewRunning().withStartedAt(Times.format(latest.startedAt()))
                    .endRunning().build();
        } else if (waiting != null) {
            state = new ContainerStateBuilder().withNewWaiting().withReason(waiting.reason())
                    .withMessage(waiting.message()).endWaiting().build();
            if (latest != null && latest.state() == State.EXITED) {
                last = terminated(latest, runtime);
            }
        } else if (latest != null && latest.state() == State.EXITED) {
            state = terminated(latest, runtime);
        } else {
            state = new ContainerStateBuilder().withNewWaiting().withReason(defaultWaitingReason).endWaiting().build();
        }
        boolean started = isRunning && (probes == null || probes.started());
        boolean ready = isRunning && (probes == null ? spec.getReadinessProbe() == null && spec.getStartupProbe() == null
                : probes.ready());
        return s.withState(state).withLastState(last).withStarted(started).withReady(ready).build();
    }

    private static ContainerState terminated(ContainerStatus c, String runtime) {
        String reason = c.reason() != null ? c.reason() : c.exitCode() == 0 ? "Completed" : "Error";
        return new ContainerStateBuilder().withNewTerminated()
                .withExitCode(c.exitCode())
                .withReason(reason)
                .withMessage(c.message())
                .withStartedAt(Times.format(c.startedAt()))
                .withFinishedAt(Times.format(c.finishedAt()))
                .withContainerID(runtime + "://" + c.id())
                .endTerminated().build();
    }

    private static PodCondition condition(PodStatus previous, String type, boolean value, String reason,
                                          String message, String now) {
        String status = value ? "True" : "False";
        String transition = now;
        for (PodCondition c : nullToEmpty(previous.getConditions())) {
            if (c.getType().equals(type) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                transition = c.getLastTransitionTime();
            }
        }
        PodCondition c = new PodCondition();
        c.setType(type);
        c.setStatus(status);
        c.setLastTransitionTime(transition);
        if (!value) {
            c.setReason(reason);
            c.setMessage(message);
        }
        return c;
    }

    /** Guaranteed when every container's requests equal its limits for cpu and memory, BestEffort with none. */
    static String qosClass(Pod pod) {
        boolean any = false;
        boolean guaranteed = true;
        List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
        all.addAll(nullToEmpty(pod.getSpec().getInitContainers()));
        for (Container c : all) {
            Map<String, Quantity> limits = c.getResources() == null || c.getResources().getLimits() == null ? Map.of()
                    : c.getResources().getLimits();
            Map<String, Quantity> requests = c.getResources() == null || c.getResources().getRequests() == null
                    ? Map.of() : c.getResources().getRequests();
            for (String r : List.of("cpu", "memory")) {
                if (limits.containsKey(r) || requests.containsKey(r)) {
                    any = true;
                }
                Quantity limit = limits.get(r);
                Quantity request = requests.getOrDefault(r, limit);
                if (limit == null || request == null
                        || Quantity.getAmountInBytes(limit).compareTo(Quantity.getAmountInBytes(request)) != 0) {
                    guaranteed = false;
                }
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    /** Whether the API's status agrees with ours on what the node agent owns. */
    static boolean sameOwnedFields(PodStatus ours, PodStatus theirs) {
        if (theirs == null) {
            return false;
        }
        return Objects.equals(ours.getPhase(), theirs.getPhase())
                && Objects.equals(ours.getPodIP(), theirs.getPodIP())
                && Objects.equals(ours.getContainerStatuses(), theirs.getContainerStatuses())
                && Objects.equals(nullToEmpty(ours.getInitContainerStatuses()),
                        nullToEmpty(theirs.getInitContainerStatuses()))
                && new HashSet<>(nullToEmpty(ours.getConditions())).equals(new HashSet<>(nullToEmpty(theirs.getConditions())));
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
