package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ObjectClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/**
 * {@code karavel:get KIND [NAME]}: like {@code kubectl get}, for any served kind (custom
 * resources included), with kubectl's columns, {@code -o wide|yaml|json|name}, {@code -l} and
 * {@code -A}.
 */
@Service
@Command(scope = "karavel", name = "get", description = "Lists objects of a kind, or shows one (like kubectl get).")
public final class GetCommand implements Action {

    @Argument(index = 0, name = "kind", required = true,
            description = "Kind: plural, singular or short name (po, svc, deploy, rs, ns, no, cm, ep...), or KIND/NAME")
    @Completion(KindCompleter.class)
    String kind;

    @Argument(index = 1, name = "name", description = "One object's name (default: all)")
    @Completion(NameCompleter.class)
    String name;

    @Argument(index = 2, name = "options", multiValued = true,
            description = "Options may also follow the arguments, as with kubectl (e.g. -n demo -o wide)")
    List<String> more;

    @Option(name = "-n", aliases = "--namespace", description = "Namespace (default: default)")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Option(name = "-A", aliases = "--all-namespaces", description = "Every namespace")
    boolean allNamespaces;

    @Option(name = "-l", aliases = "--selector", description = "Label selector, e.g. app=web,tier!=db")
    String selector;

    @Option(name = "-o", aliases = "--output", description = "wide, yaml, json or name")
    @Completion(value = StringsCompleter.class, values = {"wide", "yaml", "json", "name"})
    String output;

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        Cluster cluster = Cluster.require(client, "get");
        KindName given = KindName.of(kind, TrailingOptions.single(TrailingOptions.positional(this, name, more), "name"));
        String typedKind = given.kind();
        String objectName = given.name();
        if (output != null && !List.of("wide", "yaml", "json", "name").contains(output)) {
            throw Cluster.fail("error: unable to match a printer suitable for the output format \"" + output
                    + "\", allowed formats are: json,name,wide,yaml");
        }
        LabelSelector labels;
        try {
            labels = LabelSelector.parse(selector);
        } catch (IllegalArgumentException e) {
            throw Cluster.fail("error: " + e.getMessage());
        }
        ApiResource resource = cluster.resolve(typedKind);
        boolean everywhere = allNamespaces && objectName == null && resource.namespaced();
        String ns = everywhere ? null : cluster.namespace(resource, namespace);

        List<ObjectNode> objects = new ArrayList<>();
        if (objectName != null) {
            objects.add(withType(resource, cluster.get(resource, ns, objectName)));
        } else {
            for (GenericKubernetesResource object : Cluster.call(() -> cluster.client().list(resource, ns))) {
                ObjectNode tree = withType(resource, object);
                if (labels.test(Json.stringMap(tree, "metadata.labels"))) {
                    objects.add(tree);
                }
            }
            objects.sort(Comparator.comparing((ObjectNode o) -> String.valueOf(Json.text(o, "metadata.namespace")))
                    .thenComparing(o -> Json.text(o, "metadata.name")));
        }
        print(resource, objectName != null, everywhere, ns, objects);
        return null;
    }

    private void print(ApiResource resource, boolean single, boolean everywhere, String ns, List<ObjectNode> objects) {
        String format = output == null ? "" : output;
        switch (format) {
            case "yaml" -> System.out.print(Yaml.write(single ? objects.get(0) : list(objects)));
            case "json" -> System.out.print(Json.write(single ? objects.get(0) : list(objects)));
            case "name" -> objects.forEach(o -> System.out.println(Kinds.displayKind(resource) + "/" + Json.text(o, "metadata.name")));
            default -> {
                if (objects.isEmpty()) {
                    System.err.println(everywhere || ns == null ? "No resources found" : "No resources found in " + ns + " namespace.");
                    return;
                }
                System.out.print(Printers.table(resource, objects, format.equals("wide"), everywhere, Instant.now()));
            }
        }
    }

    /** Lists in kubectl's {@code -o yaml|json}: a {@code v1 List}. */
    private static ObjectNode list(List<ObjectNode> objects) {
        ObjectNode list = Json.MAPPER.createObjectNode();
        list.put("apiVersion", "v1");
        list.putArray("items").addAll(objects);
        list.put("kind", "List");
        list.putObject("metadata").put("resourceVersion", "");
        return list;
    }

    /** The object's tree with apiVersion and kind first, as kubectl shows them. */
    static ObjectNode withType(ApiResource resource, GenericKubernetesResource object) {
        ObjectNode tree = Json.tree(object);
        ObjectNode ordered = Json.MAPPER.createObjectNode();
        ordered.put("apiVersion", resource.apiVersion());
        ordered.put("kind", resource.kind());
        tree.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("apiVersion") && !e.getKey().equals("kind")) {
                ordered.set(e.getKey(), e.getValue());
            }
        });
        return ordered;
    }
}
