package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.store.Change;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Store;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.selector.FieldSelector;
import io.karavel.apiserver.impl.selector.LabelSelector;
import io.karavel.apiserver.impl.strategy.FieldErrors;
import io.karavel.apiserver.impl.table.Tables;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What one watch request asks for, and how store changes become watch events. Built from the
 * query ({@code resourceVersion}, selectors, {@code timeoutSeconds}, {@code allowWatchBookmarks});
 * the http layer streams it.
 *
 * <p>Semantics (as Kubernetes): with no resourceVersion or {@code "0"}, the current objects are
 * sent first as synthetic ADDED events, then every change after that snapshot; with
 * {@code resourceVersion=N}, every change after N (410 Expired if N is older than the history).
 * With selectors, an object that starts matching is ADDED and one that stops matching is DELETED.
 *
 * <p>{@code sendInitialEvents} (client-go's watch-list; needs {@code resourceVersionMatch=NotOlderThan}
 * and {@code allowWatchBookmarks=true}) overrides that choice: {@code true} sends the current
 * objects (a state not older than the resourceVersion) as ADDED events followed by a BOOKMARK
 * annotated {@code k8s.io/initial-events-end: "true"}; {@code false} sends only later changes
 * (from now when no resourceVersion is given).
 */
public final class WatchPlan {
    private final ResourceType type;
    private final String prefix;
    private final LabelSelector labels;
    private final FieldSelector fields;
    private final long requestedRevision;
    private final boolean initialEvents;
    /** sendInitialEvents=true: end the initial events with an annotated bookmark. */
    private final boolean initialEventsEnd;
    private final long timeoutSeconds;
    private final boolean bookmarks;
    private final boolean asTable;
    private final String includeObject;
    private final DecodedChanges decoded;

    private WatchPlan(ResourceType type, String prefix, LabelSelector labels, FieldSelector fields,
            long requestedRevision, boolean initialEvents, boolean initialEventsEnd, long timeoutSeconds,
            boolean bookmarks, boolean asTable, String includeObject, DecodedChanges decoded) {
        this.decoded = decoded;
        this.type = type;
        this.prefix = prefix;
        this.labels = labels;
        this.fields = fields;
        this.requestedRevision = requestedRevision;
        this.initialEvents = initialEvents;
        this.initialEventsEnd = initialEventsEnd;
        this.timeoutSeconds = timeoutSeconds;
        this.bookmarks = bookmarks;
        this.asTable = asTable;
        this.includeObject = includeObject;
    }

    /** Validates the query; throws a 400 {@link ApiException} for bad parameters. */
    public static WatchPlan of(RestRequest req) {
        return of(req, false);
    }

    /**
     * @param asTable send each event's object as a one-row {@code Table} (the client's Accept
     *     header asked for tables, as {@code kubectl get -w} does)
     */
    public static WatchPlan of(RestRequest req, boolean asTable) {
        return of(req, asTable, new DecodedChanges());
    }

    /**
     * @param decoded where watch streams of the same server share parsed changes
     */
    public static WatchPlan of(RestRequest req, boolean asTable, DecodedChanges decoded) {
        String rv = req.param("resourceVersion");
        long revision = ResourceService.parseResourceVersion(rv);
        long timeout;
        String t = req.param("timeoutSeconds");
        if (t == null || t.isEmpty()) {
            // like Kubernetes' --min-request-timeout: a random 30-60 minutes spreads re-watches
            timeout = 1800 + ThreadLocalRandom.current().nextLong(1800);
        } else {
            try {
                timeout = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid timeoutSeconds: " + t);
            }
            if (timeout <= 0) {
                timeout = 1800 + ThreadLocalRandom.current().nextLong(1800);
            }
        }
        boolean bookmarks = "true".equals(req.param("allowWatchBookmarks"));
        String sendInitialEvents = req.param("sendInitialEvents");
        String match = req.param("resourceVersionMatch");
        boolean initialEvents = revision == 0;
        boolean initialEventsEnd = false;
        if (sendInitialEvents != null && !sendInitialEvents.isEmpty()) {
            boolean send = switch (sendInitialEvents) {
                case "true" -> true;
                case "false" -> false;
                default -> throw ApiException.badRequest("invalid sendInitialEvents: " + sendInitialEvents);
            };
            FieldErrors errors = new FieldErrors();
            if (!"NotOlderThan".equals(match)) {
                errors.forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
            }
            if (send && !bookmarks) {
                errors.forbidden("allowWatchBookmarks", "sendInitialEvents requires setting allowWatchBookmarks to true");
            }
            if (!errors.isEmpty()) {
                throw invalidListOptions(errors);
            }
            initialEvents = send;
            initialEventsEnd = send;
        } else if (match != null && !match.isEmpty()) {
            throw invalidListOptions(new FieldErrors().forbidden("resourceVersionMatch",
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
        }
        String name = req.info().name();
        FieldSelector fields = ResourceService.fieldSelector(req);
        if (name != null) {
            // GET .../pods/x?watch=1 watches one object
            String given = req.param("fieldSelector");
            try {
                fields = FieldSelector.parse(
                        (given == null || given.isEmpty() ? "" : given + ",") + "metadata.name=" + name,
                        req.type().strategy().selectableFields());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        }
        return new WatchPlan(
                req.type(),
                ResourceService.listPrefix(req.type(), req.info().namespace()),
                ResourceService.labelSelector(req),
                fields,
                revision,
                initialEvents,
                initialEventsEnd,
                timeout,
                bookmarks,
                asTable,
                req.param("includeObject"),
                decoded);
    }

    private static ApiException invalidListOptions(FieldErrors errors) {
        return ApiException.invalid("ListOptions.meta.k8s.io", "meta.k8s.io", "ListOptions", "", errors.causes());
    }

    public String prefix() {
        return prefix;
    }

    public long timeoutSeconds() {
        return timeoutSeconds;
    }

    public boolean bookmarks() {
        return bookmarks;
    }

    public ResourceType type() {
        return type;
    }

    /** The events to send before live changes, and the revision to watch from. */
    public record Start(List<byte[]> initialEvents, long watchFrom) {}

    /** Takes the initial snapshot when the request asked for one. */
    public Start start(Store store) {
        if (!initialEvents) {
            // sendInitialEvents=false without a resourceVersion: from now
            return new Start(List.of(), requestedRevision == 0 ? store.currentRevision() : requestedRevision);
        }
        ListResult snapshot = store.list(prefix, null, 0);
        List<byte[]> events = new ArrayList<>();
        for (KeyValue kv : snapshot.items()) {
            ObjectNode object = ResourceService.served(type, kv);
            if (ResourceService.matches(object, labels, fields)) {
                events.add(eventLine("ADDED", render(object)));
            }
        }
        if (initialEventsEnd) {
            ObjectNode end = bookmarkObject(snapshot.revision());
            ((ObjectNode) end.get("metadata")).putObject("annotations").put("k8s.io/initial-events-end", "true");
            events.add(eventLine("BOOKMARK", end));
        }
        return new Start(events, snapshot.revision());
    }

    /** The event line for a change, or null when the selectors filter it out. */
    public byte[] toEvent(Change change) {
        ObjectNode object = decoded.current(change, type);
        boolean nowMatches = ResourceService.matches(object, labels, fields);
        switch (change.type()) {
            case CREATED:
                return nowMatches ? eventLine("ADDED", render(object)) : null;
            case DELETED:
                return nowMatches ? eventLine("DELETED", render(object)) : null;
            default:
                boolean matchedBefore = change.previousValue() == null
                        || ResourceService.matches(decoded.previous(change, type), labels, fields);
                if (nowMatches) {
                    return eventLine(matchedBefore ? "MODIFIED" : "ADDED", render(object));
                }
                return matchedBefore ? eventLine("DELETED", render(object)) : null;
        }
    }

    private ObjectNode render(ObjectNode object) {
        return asTable
                ? Tables.toTable(object, type.strategy().tableColumns(), type.strategy().tableAgeColumn(),
                        includeObject, Clock.systemUTC())
                : object;
    }

    /** A BOOKMARK event carrying only the resourceVersion the client may resume from. */
    public byte[] bookmark(long revision) {
        return eventLine("BOOKMARK", bookmarkObject(revision));
    }

    private ObjectNode bookmarkObject(long revision) {
        ObjectNode object = Json.object();
        object.put("kind", type.kind());
        object.put("apiVersion", type.apiVersion());
        object.putObject("metadata").put("resourceVersion", Long.toString(revision));
        return object;
    }

    /** An ERROR event carrying a Status (e.g. 410 Expired). */
    public static byte[] errorEvent(ApiException error) {
        return eventLine("ERROR", Statuses.failure(error));
    }

    static byte[] eventLine(String type, ObjectNode object) {
        ObjectNode event = Json.object();
        event.put("type", type);
        event.set("object", object);
        byte[] json = Json.bytes(event);
        byte[] line = new byte[json.length + 1];
        System.arraycopy(json, 0, line, 0, json.length);
        line[json.length] = '\n';
        return line;
    }
}
