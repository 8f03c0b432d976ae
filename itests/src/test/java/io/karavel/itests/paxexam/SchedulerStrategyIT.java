package io.karavel.itests.paxexam;

import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Scheduling strategies switched live in the all-in-one: the default profile changes where the
 * next pods go; a third-party strategy bundle (the {@code firstfit} fixture, built by
 * {@code itests/strategy-fixture}) is installed and selected without a restart; uninstalling the
 * selected strategy falls back to the configured default ({@code default.profile}), which says so
 * on the pods it places, and pods wait Pending only when the configured default is gone too.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SchedulerStrategyIT extends KaravelKarafTestSupport {

    /** System property (inside Karaf) naming the fixture bundle's location. */
    static final String FIRSTFIT_LOCATION = "karavel.itests.firstfit.location";

    @Configuration
    public Option[] configuration() {
        List<Option> options = new ArrayList<>(Arrays.asList(karavelDistribution()));
        options.add(editConfigurationFilePut("etc/system.properties", FIRSTFIT_LOCATION, firstFitBundle()));
        // The test's extra nodes are Node objects without a node agent: keep them Ready for the
        // whole test rather than the default 40 s.
        options.add(editConfigurationFilePut("etc/io.karavel.controllers.nodelifecycle.cfg",
                "node.monitor.grace.period.seconds", "3600"));
        return options.toArray(Option[]::new);
    }

    /** The fixture jar the reactor built before this module (run from itests/). */
    private static String firstFitBundle() {
        String name = "karavel-itests-scheduler-firstfit-" + System.getProperty("karavel.version") + ".jar";
        File jar = new File("strategy-fixture/target", name).getAbsoluteFile();
        if (!jar.isFile()) {
            throw new IllegalStateException(jar + " is missing: build it first (mvn -o install -f"
                    + " itests/strategy-fixture/pom.xml, or the whole reactor)");
        }
        return jar.toURI().toString();
    }

    @Test
    public void strategiesInstallSwitchAndFallBackWithoutRestart() throws Exception {
        install("karavel-all-in-one");
        ApiServerView.awaitReady(this);
        assertComponentActive("io.karavel.scheduler");
        StrategyView.installSwitchAndRemove(this, System.getProperty(FIRSTFIT_LOCATION));
    }
}
