package io.karavel.shell.impl;

import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.api.client.ObjectClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code karavel:node-drain NODE}: cordons the node, then deletes its pods, each with its grace
 * period, and waits until they are gone, as {@code kubectl drain} does. Pods owned by a
 * controller come back elsewhere; a pod that no controller owns would be lost, so the drain
 * refuses (after cordoning) unless {@code --force}. DaemonSet pods and mirror pods stay, as with
 * kubectl's {@code --ignore-daemonsets}. Finished pods are deleted.
 */
@Service
@Command(scope = "karavel", name = "node-drain", description = "Cordons a node and evicts its pods (like kubectl drain).")
public final class NodeDrainCommand implements Action {

    private static final Duration POLL = Duration.ofMillis(250);

    @Argument(index = 0, name = "node", required = true, description = "Node name")
    @Completion(NodeCompleter.class)
    String node;

    @Argument(index = 1, name = "options", multiValued = true,
            description = "Options may also follow the arguments, as with kubectl")
    List<String> more;

    @Option(name = "--force", description = "Also delete pods that no controller owns (they are not recreated)")
    boolean force;

    @Option(name = "--grace-period", description = "Seconds each pod gets to stop (default: its own terminationGracePeriodSeconds)")
    Long gracePeriod;

    @Option(name = "--timeout", description = "Give up waiting for the pods to go after this long (e.g. 2m); 0 waits forever")
    String timeout = "0s";

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        if (!TrailingOptions.positional(this, null, more).isEmpty()) {
            throw Cluster.fail("error: expected one node, got more: " + String.join(" ", more));
        }
        Cluster.require(client, "node-drain");
        Duration limit = RolloutStatusCommand.duration(timeout);
        System.out.println(NodeCordonCommand.setUnschedulable(client, node, true));

        Plan plan = plan(Cluster.call(() -> client.list(Pod.class, null)), node);
        if (!plan.unmanaged().isEmpty() && !force) {
            throw Cluster.fail("error: unable to drain node \"" + node + "\" due to error: cannot delete Pods that declare no controller"
                    + " (use --force to override): " + String.join(", ", plan.unmanaged().stream().map(NodeDrainCommand::key).toList()));
        }
        if (!plan.unmanaged().isEmpty()) {
            System.out.println("Warning: deleting Pods that declare no controller: "
                    + String.join(", ", plan.unmanaged().stream().map(NodeDrainCommand::key).toList()));
        }
        if (!plan.kept().isEmpty()) {
            System.out.println("Warning: ignoring DaemonSet-managed and mirror Pods: "
                    + String.join(", ", plan.kept().stream().map(NodeDrainCommand::key).toList()));
        }
        List<Pod> evict = new ArrayList<>(plan.managed());
        evict.addAll(plan.unmanaged());
        DeleteOptions options = gracePeriod == null ? null : new DeleteOptionsBuilder().withGracePeriodSeconds(gracePeriod).build();
        for (Pod pod : evict) {
            System.out.println("evicting pod " + key(pod));
            Cluster.call(() -> client.delete(Pod.class, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), options));
        }
        long deadline = limit.isZero() ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        List<Pod> waiting = new ArrayList<>(evict);
        while (!waiting.isEmpty()) {
            for (Pod pod : List.copyOf(waiting)) {
                if (gone(pod)) {
                    System.out.println("pod/" + pod.getMetadata().getName() + " evicted");
                    waiting.remove(pod);
                }
            }
            if (waiting.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw Cluster.fail("error: unable to drain node \"" + node + "\": timed out waiting for pods to be deleted: "
                        + String.join(", ", waiting.stream().map(NodeDrainCommand::key).toList()));
            }
            Thread.sleep(POLL.toMillis()); // pods take their grace period to go; Ctrl-C interrupts
        }
        System.out.println("node/" + node + " drained");
        return null;
    }

    /** Deleted, or replaced by a new pod of the same name (another uid). */
    private boolean gone(Pod pod) throws Exception {
        Optional<Pod> now = Cluster.call(() -> client.get(Pod.class, pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
        return now.isEmpty() || !now.get().getMetadata().getUid().equals(pod.getMetadata().getUid());
    }

    /**
     * The pods of a node, sorted into what a drain does with them.
     *
     * @param managed owned by a controller (or finished): deleted
     * @param unmanaged owned by no controller and still running: deleted only with {@code --force}
     * @param kept DaemonSet and mirror pods: left alone
     */
    record Plan(List<Pod> managed, List<Pod> unmanaged, List<Pod> kept) {}

    static Plan plan(List<Pod> pods, String node) {
        List<Pod> managed = new ArrayList<>();
        List<Pod> unmanaged = new ArrayList<>();
        List<Pod> kept = new ArrayList<>();
        for (Pod pod : pods) {
            if (!node.equals(pod.getSpec().getNodeName()) || pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            OwnerReference controller = controller(pod);
            boolean mirror = pod.getMetadata().getAnnotations() != null
                    && pod.getMetadata().getAnnotations().containsKey("kubernetes.io/config.mirror");
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if (mirror || controller != null && "DaemonSet".equals(controller.getKind())) {
                kept.add(pod);
            } else if (controller != null || "Succeeded".equals(phase) || "Failed".equals(phase)) {
                managed.add(pod);
            } else {
                unmanaged.add(pod);
            }
        }
        return new Plan(managed, unmanaged, kept);
    }

    private static OwnerReference controller(Pod pod) {
        if (pod.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        return pod.getMetadata().getOwnerReferences().stream()
                .filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
}
