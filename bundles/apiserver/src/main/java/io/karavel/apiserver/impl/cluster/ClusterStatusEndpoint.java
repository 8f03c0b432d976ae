package io.karavel.apiserver.impl.cluster;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.api.cluster.ControlPlane;
import io.karavel.api.cluster.ControlPlaneStatus;
import io.karavel.api.cluster.MasterStatus;
import io.karavel.api.cluster.Role;
import io.karavel.api.store.Store;
import io.karavel.apiserver.impl.rest.ApiException;
import io.karavel.apiserver.impl.rest.Json;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET /karavel/v1/cluster}: the control plane as this master sees it, from the
 * {@link ControlPlane} service of the replicated store. A single master has none and answers
 * for itself: the leader, term 0, its store's revision, no replication address.
 *
 * <p>The body, every field always present:
 *
 * <pre>
 * {"localName":"m2","localRole":"FOLLOWER","localRevision":1040,"leaderName":"m1","leaderRevision":1043,
 *  "term":7,"replicationLag":3,
 *  "masters":[{"name":"m1","clusterAddress":"127.0.0.1:5701","apiUrl":"http://127.0.0.1:6443",
 *              "role":"LEADER","revision":1043,"lastSeenMillis":1764115200000}, ...]}
 * </pre>
 *
 * {@code leaderName} is empty when there is no leader. Outside {@code /api} and {@code /apis}, so
 * discovery does not list it.
 */
public final class ClusterStatusEndpoint {
    /** The endpoint's path. */
    public static final String PATH = "/karavel/v1/cluster";

    private final ControlPlaneServices services;
    private final Store store;
    private final String localName;
    private final Supplier<String> apiUrl;
    private final Clock clock;

    /**
     * @param localName this master's name when it is alone (no control plane)
     * @param apiUrl this server's URL, once it listens
     */
    public ClusterStatusEndpoint(ControlPlaneServices services, Store store, String localName, Supplier<String> apiUrl, Clock clock) {
        this.services = services;
        this.store = store;
        this.localName = localName;
        this.apiUrl = apiUrl;
        this.clock = clock;
    }

    /** Whether this endpoint serves {@code path}. */
    public static boolean serves(String path) {
        return path.equals(PATH) || path.equals(PATH + "/");
    }

    /** The body of a GET (or HEAD). */
    public ObjectNode get(String method) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw ApiException.methodNotAllowed("only GET is allowed on " + PATH);
        }
        return toJson(status());
    }

    /** The control plane's status, or this lone master's. */
    public ControlPlaneStatus status() {
        ControlPlane controlPlane = services.controlPlane().get();
        if (controlPlane != null) {
            return controlPlane.status();
        }
        long revision = store.currentRevision();
        String url = apiUrl.get();
        MasterStatus self = new MasterStatus(localName, "", url == null ? "" : url, Role.LEADER, revision, clock.millis());
        return new ControlPlaneStatus(localName, Role.LEADER, revision, localName, revision, 0, List.of(self));
    }

    static ObjectNode toJson(ControlPlaneStatus status) {
        ObjectNode body = Json.object();
        body.put("localName", status.localName());
        body.put("localRole", status.localRole().name());
        body.put("localRevision", status.localRevision());
        body.put("leaderName", status.leaderName());
        body.put("leaderRevision", status.leaderRevision());
        body.put("term", status.term());
        body.put("replicationLag", status.replicationLag());
        ArrayNode masters = body.putArray("masters");
        for (MasterStatus m : status.masters()) {
            ObjectNode o = masters.addObject();
            o.put("name", m.name());
            o.put("clusterAddress", m.clusterAddress());
            o.put("apiUrl", m.apiUrl());
            o.put("role", m.role().name());
            o.put("revision", m.revision());
            o.put("lastSeenMillis", m.lastSeenMillis());
        }
        return body;
    }
}
