package io.karavel.shell.impl;

import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ObjectClient;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code karavel:delete KIND NAME...}: deletes objects with the API server's semantics (graceful
 * deletion of pods, finalizers, background propagation to dependants), printing kubectl's
 * {@code pod "web" deleted}. It does not wait for a graceful deletion to finish.
 */
@Service
@Command(scope = "karavel", name = "delete", description = "Deletes objects (like kubectl delete --wait=false).")
public final class DeleteCommand implements Action {

    @Argument(index = 0, name = "kind", required = true, description = "Kind (plural, singular or short name), or KIND/NAME")
    @Completion(KindCompleter.class)
    String kind;

    @Argument(index = 1, name = "names", multiValued = true, description = "Names of the objects")
    @Completion(NameCompleter.class)
    List<String> names;

    @Option(name = "-n", aliases = "--namespace", description = "Namespace (default: default)")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Option(name = "--grace-period", description = "Seconds a pod gets to stop (default: its own terminationGracePeriodSeconds)")
    Long gracePeriod;

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        Cluster cluster = Cluster.require(client, "delete");
        List<String> targets = TrailingOptions.positional(this, null, names);
        KindName given = KindName.of(kind, targets.isEmpty() ? null : targets.get(0));
        String typedKind = given.kind();
        if (targets.isEmpty() && given.name() != null) {
            targets = List.of(given.name());
        }
        if (targets.isEmpty()) {
            throw Cluster.fail("error: resource(s) were provided, but no name was specified");
        }
        ApiResource resource = cluster.resolve(typedKind);
        String ns = cluster.namespace(resource, namespace);
        DeleteOptions options = gracePeriod == null ? null : new DeleteOptionsBuilder().withGracePeriodSeconds(gracePeriod).build();
        for (String target : targets) {
            boolean deleted = Cluster.call(() -> client.delete(resource, ns, target, options));
            if (!deleted) {
                throw Cluster.fail(Cluster.notFound(resource, target));
            }
            System.out.println(Kinds.displayKind(resource) + " \"" + target + "\" deleted");
        }
        return null;
    }
}
