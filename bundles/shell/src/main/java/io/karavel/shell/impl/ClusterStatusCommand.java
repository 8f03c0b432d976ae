package io.karavel.shell.impl;

import io.karavel.api.cluster.ControlPlane;
import io.karavel.api.cluster.ControlPlaneStatus;
import io.karavel.api.cluster.MasterStatus;
import io.karavel.api.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;

/**
 * {@code karavel:cluster-status}: the masters of the control plane as this master sees them.
 * A header line {@code leader: <name>  term: <n>} ({@code leader: none} while there is none),
 * then one row per master with its role, last applied revision, lag behind the leader, addresses
 * and when it last reported; {@code *} marks this master. A single master (no replicated store,
 * so no {@link ControlPlane}) prints one line about itself.
 */
@Service
@Command(scope = "karavel", name = "cluster-status",
        description = "Shows the masters of the control plane: leader, term, roles, revisions and replication lag.")
public final class ClusterStatusCommand implements Action {

    static final List<String> HEADERS = List.of("NAME", "ROLE", "REVISION", "LAG", "CLUSTER-ADDRESS", "API-URL", "LAST-SEEN");

    /** Marks this master's row. */
    static final String SELF = "*";

    static final String UNKNOWN = "<unknown>";

    @Reference(optional = true)
    ControlPlane controlPlane;

    @Reference(optional = true)
    Store store;

    /** For the API server's URL, looked up by name (see ApiServerLines). */
    @Reference
    BundleContext context;

    @Override
    public Object execute() throws Exception {
        if (controlPlane != null) {
            System.out.print(render(controlPlane.status(), Instant.now()));
            return null;
        }
        if (store == null) {
            throw Cluster.absent("cluster-status", "a master's store");
        }
        ApiServerLines.Lines api = context == null || context.getServiceReference(ApiServerLines.SERVICE) == null
                ? null : ApiServerLines.read(context);
        System.out.println(standalone(store.currentRevision(), api == null ? null : api.url()));
        return null;
    }

    /** The line of a master that is alone: no replication, so no roles, lag or term to show. */
    static String standalone(long revision, String apiUrl) {
        return "standalone master (no HA control plane)  revision: " + revision
                + (apiUrl == null || apiUrl.isEmpty() ? "" : "  api-url: " + apiUrl);
    }

    /** The header line and the table, each line ending with a newline. */
    static String render(ControlPlaneStatus status, Instant now) {
        String header = status.leaderName().isEmpty()
                ? "leader: none"
                : "leader: " + status.leaderName() + "  term: " + status.term();
        List<MasterStatus> masters = new ArrayList<>(status.masters());
        if (masters.stream().noneMatch(m -> m.name().equals(status.localName()))) {
            // not reported yet (just started): this master still knows its own state
            masters.add(new MasterStatus(status.localName(), "", "", status.localRole(), status.localRevision(), 0));
        }
        KubeTable table = new KubeTable(HEADERS);
        for (MasterStatus m : masters) {
            boolean self = m.name().equals(status.localName());
            // this master's own role and revision are fresher than what it last reported
            long revision = self ? status.localRevision() : m.revision();
            String lag = status.leaderName().isEmpty() ? UNKNOWN : Long.toString(Math.max(0, status.leaderRevision() - revision));
            table.add(List.of(self ? m.name() + SELF : m.name(),
                    (self ? status.localRole() : m.role()).name(),
                    Long.toString(revision),
                    lag,
                    orNone(m.clusterAddress()),
                    orNone(m.apiUrl()),
                    m.lastSeenMillis() <= 0 ? UNKNOWN : Age.human(Duration.between(Instant.ofEpochMilli(m.lastSeenMillis()), now))));
        }
        return header + "\n" + table;
    }

    private static String orNone(String value) {
        return value.isEmpty() ? Printers.NONE : value;
    }
}
