package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.client.PatchType;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code karavel:scale KIND NAME --replicas N}: sets {@code spec.replicas} of a Deployment,
 * ReplicaSet or any object that has one (a merge patch, as the scale subresource would).
 */
@Service
@Command(scope = "karavel", name = "scale", description = "Sets the replica count of a Deployment or ReplicaSet (like kubectl scale).")
public final class ScaleCommand implements Action {

    @Argument(index = 0, name = "kind", required = true, description = "Kind (deploy, rs...), or KIND/NAME")
    @Completion(KindCompleter.class)
    String kind;

    @Argument(index = 1, name = "name", description = "Object name")
    @Completion(NameCompleter.class)
    String name;

    @Argument(index = 2, name = "options", multiValued = true,
            description = "Options may also follow the arguments, as with kubectl (e.g. -n demo -o wide)")
    List<String> more;

    /** Not {@code required}: Karaf checks that before the options after the arguments are read. */
    @Option(name = "--replicas", description = "The new number of replicas (required)")
    Integer replicas;

    @Option(name = "-n", aliases = "--namespace", description = "Namespace (default: default)")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        Cluster cluster = Cluster.require(client, "scale");
        KindName given = KindName.of(kind, TrailingOptions.single(TrailingOptions.positional(this, name, more), "name"));
        String typedKind = given.kind();
        String objectName = given.name();
        if (objectName == null) {
            throw Cluster.fail("error: you must specify the name of the " + typedKind + " to scale");
        }
        if (replicas == null || replicas < 0) {
            throw Cluster.fail("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
        }
        ApiResource resource = cluster.resolve(typedKind);
        String ns = cluster.namespace(resource, namespace);
        JsonNode current = Json.tree(cluster.get(resource, ns, objectName));
        if (!current.path("spec").has("replicas")) {
            throw Cluster.fail("error: " + Kinds.displayKind(resource) + "/" + objectName + " has no spec.replicas: it cannot be scaled");
        }
        String target = objectName;
        Cluster.call(() -> client.patch(resource, ns, target, PatchType.MERGE, "{\"spec\":{\"replicas\":" + replicas + "}}"));
        System.out.println(Kinds.displayKind(resource) + "/" + objectName + " scaled");
        return null;
    }
}
