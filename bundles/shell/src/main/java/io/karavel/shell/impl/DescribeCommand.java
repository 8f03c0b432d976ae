package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ObjectClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code karavel:describe KIND NAME}: the object's identity, labels and annotations, its spec and
 * status, and the Events about it, oldest first (the layout of kubectl's generic describer).
 */
@Service
@Command(scope = "karavel", name = "describe", description = "Shows one object in detail with its events (like kubectl describe).")
public final class DescribeCommand implements Action {

    @Argument(index = 0, name = "kind", required = true, description = "Kind (plural, singular or short name), or KIND/NAME")
    @Completion(KindCompleter.class)
    String kind;

    @Argument(index = 1, name = "name", description = "Object name")
    @Completion(NameCompleter.class)
    String name;

    @Argument(index = 2, name = "options", multiValued = true,
            description = "Options may also follow the arguments, as with kubectl (e.g. -n demo -o wide)")
    List<String> more;

    @Option(name = "-n", aliases = "--namespace", description = "Namespace (default: default)")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Reference(optional = true)
    ObjectClient client;

    @Override
    public Object execute() throws Exception {
        Cluster cluster = Cluster.require(client, "describe");
        KindName given = KindName.of(kind, TrailingOptions.single(TrailingOptions.positional(this, name, more), "name"));
        String typedKind = given.kind();
        String objectName = given.name();
        if (objectName == null) {
            throw Cluster.fail("error: you must specify the name of the " + typedKind + " to describe");
        }
        ApiResource resource = cluster.resolve(typedKind);
        String ns = cluster.namespace(resource, namespace);
        ObjectNode object = GetCommand.withType(resource, cluster.get(resource, ns, objectName));
        System.out.print(describe(object, events(cluster, resource, object), Instant.now()));
        return null;
    }

    /** Events whose involved object is this one (same kind, name and, when set, uid), oldest first. */
    private static List<JsonNode> events(Cluster cluster, ApiResource resource, ObjectNode object) throws Exception {
        ApiResource events = cluster.kinds().resolve("events").orElse(null);
        if (events == null) {
            return List.of();
        }
        String ns = Json.text(object, "metadata.namespace");
        String uid = Json.text(object, "metadata.uid");
        List<JsonNode> about = new ArrayList<>();
        for (GenericKubernetesResource event : Cluster.call(() -> cluster.client().list(events, ns == null ? "default" : ns))) {
            JsonNode tree = Json.tree(event);
            String involvedUid = Json.text(tree, "involvedObject.uid");
            if (resource.kind().equals(Json.text(tree, "involvedObject.kind"))
                    && Json.text(object, "metadata.name").equals(Json.text(tree, "involvedObject.name"))
                    && (uid == null || involvedUid == null || uid.equals(involvedUid))) {
                about.add(tree);
            }
        }
        about.sort(Comparator.comparing(DescribeCommand::lastSeen));
        return about;
    }

    private static String lastSeen(JsonNode event) {
        for (String path : List.of("lastTimestamp", "eventTime", "firstTimestamp", "metadata.creationTimestamp")) {
            String at = Json.text(event, path);
            if (at != null && !at.isEmpty()) {
                return at;
            }
        }
        return "";
    }

    /** The text printed for an object and its events. */
    static String describe(ObjectNode object, List<JsonNode> events, Instant now) {
        StringBuilder out = new StringBuilder();
        field(out, "Name:", Json.text(object, "metadata.name"));
        if (Json.text(object, "metadata.namespace") != null) {
            field(out, "Namespace:", Json.text(object, "metadata.namespace"));
        }
        map(out, "Labels:", Json.stringMap(object, "metadata.labels"));
        map(out, "Annotations:", Json.stringMap(object, "metadata.annotations"));
        field(out, "API Version:", Json.text(object, "apiVersion"));
        field(out, "Kind:", Json.text(object, "kind"));
        field(out, "Created:", Json.text(object, "metadata.creationTimestamp") + " ("
                + Age.since(Json.text(object, "metadata.creationTimestamp"), now) + " ago)");
        if (Json.text(object, "metadata.deletionTimestamp") != null) {
            field(out, "Deleting since:", Json.text(object, "metadata.deletionTimestamp"));
        }
        List<String> owners = new ArrayList<>();
        object.path("metadata").path("ownerReferences").forEach(o ->
                owners.add(o.path("kind").asText() + "/" + o.path("name").asText()));
        if (!owners.isEmpty()) {
            field(out, "Controlled By:", String.join(", ", owners));
        }
        object.fields().forEachRemaining(e -> {
            if (!List.of("apiVersion", "kind", "metadata").contains(e.getKey())) {
                section(out, capitalized(e.getKey()), e.getValue());
            }
        });
        out.append("Events:");
        if (events.isEmpty()) {
            out.append("  <none>\n");
            return out.toString();
        }
        out.append('\n');
        KubeTable table = new KubeTable(List.of("Type", "Reason", "Age", "From", "Message"));
        table.add(List.of("----", "------", "----", "----", "-------"));
        for (JsonNode event : events) {
            String from = Json.text(event, "source.component");
            if (from == null) {
                from = Json.text(event, "reportingComponent");
            }
            int count = event.path("count").asInt(1);
            String age = Age.since(lastSeen(event), now);
            if (count > 1) {
                age = age + " (x" + count + " over " + Age.since(Json.text(event, "firstTimestamp"), now) + ")";
            }
            table.add(List.of(orNone(Json.text(event, "type")), orNone(Json.text(event, "reason")), age,
                    orNone(from), orNone(Json.text(event, "message"))));
        }
        for (String line : table.lines()) {
            out.append("  ").append(line).append('\n');
        }
        return out.toString();
    }

    private static String orNone(String value) {
        return value == null || value.isEmpty() ? Printers.NONE : value;
    }

    private static void field(StringBuilder out, String label, String value) {
        // labels up to 12 characters align their values; longer ones keep two spaces (kubectl's look)
        String padded = label.length() < 13 ? String.format("%-14s", label) : label + "  ";
        out.append(padded).append(value == null ? Printers.NONE : value).append('\n');
    }

    private static void map(StringBuilder out, String label, Map<String, String> values) {
        if (values.isEmpty()) {
            field(out, label, Printers.NONE);
            return;
        }
        boolean first = true;
        for (Map.Entry<String, String> entry : values.entrySet()) {
            field(out, first ? label : "", entry.getKey() + "=" + entry.getValue());
            first = false;
        }
    }

    /** A top-level part (spec, status, data...) as indented YAML. */
    private static void section(StringBuilder out, String label, JsonNode value) {
        if (!value.isContainerNode()) {
            field(out, label + ":", value.asText());
            return;
        }
        out.append(label).append(":");
        if (value.size() == 0) {
            out.append("  <none>\n");
            return;
        }
        out.append('\n');
        for (String line : Yaml.write(value).split("\n")) {
            out.append("  ").append(line).append('\n');
        }
    }

    private static String capitalized(String key) {
        return Character.toUpperCase(key.charAt(0)) + key.substring(1);
    }
}
