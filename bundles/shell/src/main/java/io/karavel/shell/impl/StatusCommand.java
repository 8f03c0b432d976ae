package io.karavel.shell.impl;

import io.karavel.api.store.Store;
import java.util.List;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.osgi.framework.BundleContext;

/**
 * {@code karavel:status}: which profile this instance runs and what its local components say.
 *
 * <p>Prints the same rows in the same order every time (columns {@code Item}, {@code Value}),
 * with {@code -} where a component is absent: a node has neither a store nor an API server.
 */
@Service
@Command(scope = "karavel", name = "status", description = "Shows the profile of this instance and the state of its local components.")
public final class StatusCommand implements Action {

    /** Role features, most inclusive first: all-in-one installs master and node as well. */
    static final List<String> PROFILES = List.of("all-in-one", "master", "node");

    static final String ABSENT = "-";

    @Reference(optional = true)
    FeaturesService features;

    @Reference(optional = true)
    Store store;

    /** The API server is looked up by name: its package may be missing here (see ApiServerLines). */
    @Reference
    BundleContext context;

    @Override
    public Object execute() throws Exception {
        ApiServerLines.Lines api = context.getServiceReference(ApiServerLines.SERVICE) == null
                ? null // no API server (e.g. a node): ApiServerLines and its package are not touched
                : ApiServerLines.read(context);
        ShellTable table = new ShellTable();
        table.column("Item");
        table.column("Value");
        table.addRow().addContent("profile", profile());
        table.addRow().addContent("apiserver.url", api == null ? ABSENT : api.url());
        table.addRow().addContent("apiserver.ready", api == null ? ABSENT : api.ready());
        table.addRow().addContent("store.revision", store == null ? ABSENT : Long.toString(store.currentRevision()));
        table.print(System.out);
        return null;
    }

    /** The profile is whichever role feature is installed: that is what actually runs. */
    private String profile() throws Exception {
        if (features == null) {
            return ABSENT;
        }
        for (String profile : PROFILES) {
            Feature feature = features.getFeature("karavel-" + profile);
            if (feature != null && features.isInstalled(feature)) {
                return profile;
            }
        }
        return ABSENT;
    }
}
