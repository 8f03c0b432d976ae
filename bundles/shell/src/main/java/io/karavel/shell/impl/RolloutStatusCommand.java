package io.karavel.shell.impl;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.karavel.api.client.ObjectClient;
import java.time.Duration;
import java.util.Optional;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;

/**
 * {@code karavel:rollout-status deployment/NAME}: waits until a Deployment's rollout is done,
 * printing kubectl's progress lines as they change; fails when the Deployment exceeds its
 * progress deadline or when {@code --timeout} passes.
 */
@Service
@Command(scope = "karavel", name = "rollout-status", description = "Waits until a Deployment is rolled out (like kubectl rollout status).")
public final class RolloutStatusCommand implements Action {

    /** How often the Deployment is read: ObjectClient offers no watch, and a rollout takes seconds. */
    private static final Duration POLL = Duration.ofMillis(250);

    @Argument(index = 0, name = "deployment", required = true, description = "deployment/NAME (or just NAME)")
    String target;

    @Argument(index = 1, name = "options", multiValued = true,
            description = "Options may also follow the arguments, as with kubectl")
    List<String> more;

    @Option(name = "-n", aliases = "--namespace", description = "Namespace (default: default)")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Option(name = "--timeout", description = "Give up after this long (e.g. 30s, 5m); 0 waits forever")
    String timeout = "0s";

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        Cluster cluster = Cluster.require(client, "rollout-status");
        if (!TrailingOptions.positional(this, null, more).isEmpty()) {
            throw Cluster.fail("error: expected one deployment, got more: " + String.join(" ", more));
        }
        String name = target;
        int slash = target.indexOf('/');
        if (slash > 0) {
            String kind = target.substring(0, slash);
            if (!cluster.resolve(kind).kind().equals("Deployment")) {
                throw Cluster.fail("error: no status viewer has been implemented for " + kind + ": only deployments");
            }
            name = target.substring(slash + 1);
        }
        String ns = namespace == null ? "default" : namespace;
        Duration limit = duration(timeout);
        long deadline = limit.isZero() ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        String last = null;
        while (true) {
            String objectName = name;
            Optional<Deployment> deployment = Cluster.call(() -> client.get(Deployment.class, ns, objectName));
            if (deployment.isEmpty()) {
                throw Cluster.fail("Error from server (NotFound): deployments.apps \"" + name + "\" not found");
            }
            Status status = status(deployment.get());
            if (!status.message().equals(last)) {
                System.out.println(status.message());
                last = status.message();
            }
            if (status.done()) {
                return null;
            }
            if (System.nanoTime() > deadline) {
                throw Cluster.fail("error: timed out waiting for the condition");
            }
            Thread.sleep(POLL.toMillis()); // between reads of a rollout in progress; Ctrl-C interrupts it
        }
    }

    /** A progress line, and whether the rollout is complete. */
    record Status(String message, boolean done) {}

    /** kubectl's DeploymentStatusViewer. */
    static Status status(Deployment deployment) throws CommandException {
        String name = deployment.getMetadata().getName();
        DeploymentStatus status = deployment.getStatus() == null ? new DeploymentStatus() : deployment.getStatus();
        long generation = deployment.getMetadata().getGeneration() == null ? 0 : deployment.getMetadata().getGeneration();
        long observed = status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
        if (generation > observed) {
            return new Status("Waiting for deployment spec update to be observed...", false);
        }
        if (status.getConditions() != null) {
            for (DeploymentCondition condition : status.getConditions()) {
                if ("Progressing".equals(condition.getType()) && "ProgressDeadlineExceeded".equals(condition.getReason())) {
                    throw Cluster.fail("error: deployment \"" + name + "\" exceeded its progress deadline");
                }
            }
        }
        int desired = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
        int updated = value(status.getUpdatedReplicas());
        int replicas = value(status.getReplicas());
        int available = value(status.getAvailableReplicas());
        if (updated < desired) {
            return new Status("Waiting for deployment \"" + name + "\" rollout to finish: " + updated + " out of " + desired
                    + " new replicas have been updated...", false);
        }
        if (replicas > updated) {
            return new Status("Waiting for deployment \"" + name + "\" rollout to finish: " + (replicas - updated)
                    + " old replicas are pending termination...", false);
        }
        if (available < updated) {
            return new Status("Waiting for deployment \"" + name + "\" rollout to finish: " + available + " of " + updated
                    + " updated replicas are available...", false);
        }
        return new Status("deployment \"" + name + "\" successfully rolled out", true);
    }

    private static int value(Integer value) {
        return value == null ? 0 : value;
    }

    /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 1m30s} or plain seconds. */
    static Duration duration(String text) throws CommandException {
        String rest = text.strip();
        if (rest.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(rest));
        }
        if (!rest.matches("(\\d+(h|m|s|ms))+")) {
            throw Cluster.fail("error: invalid argument \"" + text + "\" for \"--timeout\" flag: time: invalid duration \"" + text + "\"");
        }
        Duration total = Duration.ZERO;
        java.util.regex.Matcher part = java.util.regex.Pattern.compile("(\\d+)(ms|h|m|s)").matcher(rest);
        while (part.find()) {
            long amount = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2)) {
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMillis(amount);
            });
        }
        return total;
    }
}
