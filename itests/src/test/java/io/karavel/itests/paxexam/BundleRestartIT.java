package io.karavel.itests.paxexam;

import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.karaf.options.KarafDistributionConfigurationFilePutOption;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The swappable bundles of a running all-in-one restarted ({@code bundle:restart}) and updated
 * ({@code bundle:update} with a refresh) while a ReplicaSet of three pods runs on the process
 * runtime behind a Service: the service proxy, the scheduler, the controllers, the runtime, and
 * also the controller runtime (the shared informers) and the node agent.
 * After each, the three pods are still the same three (no duplicate, no replacement), the Service
 * routes to all of them again, and scheduling and reconciling still work (a deleted pod is
 * replaced, placed, started and reached through the Service).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundleRestartIT extends KaravelKarafTestSupport {

    @Configuration
    public Option[] configuration() {
        // Addresses of this test's own: a Karavel or another test may run on this host meanwhile.
        int net = ThreadLocalRandom.current().nextInt(1, 255);
        List<Option> options = new ArrayList<>();
        String apiPort = null;
        for (Option option : karavelDistribution()) {
            if (option instanceof KarafDistributionConfigurationFilePutOption put) {
                if (put.getConfigurationFilePath().equals("etc/io.karavel.apiserver.cfg") && put.getKey().equals("port")) {
                    apiPort = put.getValue().toString();
                }
                if (put.getConfigurationFilePath().equals("etc/io.karavel.runtime.process.cfg")
                        && put.getKey().equals("ip.range")) {
                    continue; // replaced below
                }
            }
            options.add(option);
        }
        if (apiPort == null) {
            throw new IllegalStateException("karavelDistribution() no longer moves the API server port");
        }
        options.add(editConfigurationFilePut("etc/io.karavel.runtime.process.cfg", "ip.range", "127.81." + net + ".0/24"));
        options.add(editConfigurationFilePut("etc/io.karavel.apiserver.cfg", "service.cluster.ip.range",
                "127.98." + net + ".0/24"));
        // the service proxy talks to this test's API server, and adds no bridge-side route (no podman here)
        options.add(editConfigurationFilePut("etc/io.karavel.proxy.cfg", "api.port", apiPort));
        options.add(editConfigurationFilePut("etc/io.karavel.proxy.cfg", "bridge.service.range", ""));
        return options.toArray(Option[]::new);
    }

    @Test
    public void swappableBundlesRestartAndUpdateWithoutDuplicatesAndTheClusterKeepsWorking() throws Exception {
        install("karavel-all-in-one");
        ApiServerView.awaitReady(this);
        RestartView.restartEachSwappableBundle(this);
    }
}
