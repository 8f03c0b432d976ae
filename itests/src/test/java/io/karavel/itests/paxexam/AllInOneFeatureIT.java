package io.karavel.itests.paxexam;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.karavel.api.store.Store;
import io.karavel.apiserver.api.ApiServerStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import javax.inject.Inject;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Profile all-in-one (master and node in one JVM), with the shell: components active, and
 * {@code karavel:status} reports them.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AllInOneFeatureIT extends KaravelKarafTestSupport {

    @Inject
    SessionFactory sessionFactory;

    @Configuration
    public Option[] configuration() {
        return karavelDistribution();
    }

    @Test
    public void masterAndNodeFeaturesActiveAndStatusCommandReportsThem() throws Exception {
        install("karavel-all-in-one");
        install("karavel-shell");
        assertTrue(featuresService.isInstalled(featuresService.getFeature("karavel-master")));
        assertTrue(featuresService.isInstalled(featuresService.getFeature("karavel-node")));

        Store store = awaitService(Store.class, "(store.type=mapdb)");
        ApiServerStatus apiServer = ApiServerView.awaitReady(this);
        assertComponentActive("io.karavel.store.mapdb");
        assertComponentActive("io.karavel.apiserver");

        List<List<String>> lines = tableLines(executeCommand(sessionFactory, "karavel:status"));
        assertEquals(List.of("Item", "Value"), lines.get(0));
        assertEquals(List.of("profile", "all-in-one"), lines.get(1));
        assertEquals(List.of("apiserver.url", apiServer.url()), lines.get(2));
        assertEquals(List.of("apiserver.ready", "true"), lines.get(3));
        assertEquals("store.revision", lines.get(4).get(0));
        long shownRevision = Long.parseLong(lines.get(4).get(1));
        assertTrue("shown revision " + shownRevision + " within the store's history",
                shownRevision >= 4 && shownRevision <= store.currentRevision());
        assertEquals(5, lines.size());

        // The node half: the node agent registers this node through the API server's REST API.
        assertComponentActive("io.karavel.kubelet");
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest node = HttpRequest.newBuilder(URI.create(apiServer.url() + "/api/v1/nodes/paxexam-node")).build();
        await("node paxexam-node registered and Ready", () -> {
            try {
                String body = http.send(node, HttpResponse.BodyHandlers.ofString()).body();
                return body.contains("\"status\":\"True\",\"type\":\"Ready\"");
            } catch (Exception e) {
                return false;
            }
        });
    }
}
