package io.karavel.itests.paxexam;

import static org.hamcrest.CoreMatchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import io.karavel.api.controller.ControllerInfo;
import io.karavel.api.controller.ControllerRuntime;
import io.karavel.api.scheduler.ProfileInfo;
import io.karavel.api.scheduler.SchedulerRuntime;
import io.karavel.api.store.Store;
import java.util.List;
import org.osgi.framework.Bundle;
import io.karavel.apiserver.api.ApiServerStatus;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Profile master: the store, the API server, the controllers and the scheduler install into a
 * clean Karaf and become active; controllers and scheduling strategies come and go with their
 * bundles while the rest keeps running.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MasterFeatureIT extends KaravelKarafTestSupport {

    @Configuration
    public Option[] configuration() {
        return karavelDistribution();
    }

    @Test
    public void storeAndApiServerBecomeActiveAndReady() throws Exception {
        install("karavel-master");

        Store store = awaitService(Store.class, "(store.type=mapdb)");
        ApiServerStatus status = ApiServerView.awaitReady(this);
        assertComponentActive("io.karavel.store.mapdb");
        assertComponentActive("io.karavel.apiserver");
        assertThat(status.url(), startsWith("http://127.0.0.1:"));
        // ready means the default namespaces were written to the store
        assertTrue("store revision after the default namespaces: " + store.currentRevision(),
                store.currentRevision() >= 4);
        assertTrue("API server's view of the store revision " + status.storeRevision(),
                status.storeRevision() >= 4 && status.storeRevision() <= store.currentRevision());
        assertTrue(featuresService.isInstalled(featuresService.getFeature("karavel-store-mapdb")));
        assertTrue(featuresService.isInstalled(featuresService.getFeature("karavel-apiserver")));
    }

    @Test
    public void controllersRunAndComeAndGoWithTheirBundle() throws Exception {
        install("karavel-master");
        ControllerRuntime runtime = awaitService(ControllerRuntime.class, null);
        List<String> builtIn = List.of("deployment", "endpoints", "garbagecollector", "namespace", "nodelifecycle", "replicaset");
        await("the built-in controllers running", () -> running(runtime).containsAll(builtIn));
        assertTrue(runtime.leading());

        // hot swap: stopping the bundle stops its controllers (drained); starting it brings them back
        Bundle controllers = bundle("io.karavel.controllers");
        controllers.stop();
        await("controllers unbound", () -> runtime.controllers().stream().noneMatch(c -> builtIn.contains(c.name())));
        controllers.start();
        await("controllers running again", () -> running(runtime).containsAll(builtIn));
    }

    @Test
    public void schedulingStrategiesComeAndGoWithTheirBundles() throws Exception {
        install("karavel-master");
        assertComponentActive("io.karavel.scheduler");
        SchedulerRuntime scheduler = awaitService(SchedulerRuntime.class, null);
        await("spread and binpack ready", () -> readyProfiles(scheduler).containsAll(List.of("spread", "binpack")));
        assertEquals("spread", scheduler.defaultProfile());

        Bundle binpack = bundle("io.karavel.scheduler.binpack");
        binpack.stop();
        await("binpack gone", () -> !readyProfiles(scheduler).contains("binpack"));
        assertTrue(readyProfiles(scheduler).contains("spread"));
        binpack.start();
        await("binpack back", () -> readyProfiles(scheduler).contains("binpack"));
    }

    private static List<String> running(ControllerRuntime runtime) {
        return runtime.controllers().stream().filter(c -> c.state().equals("running")).map(ControllerInfo::name).toList();
    }

    private static List<String> readyProfiles(SchedulerRuntime scheduler) {
        return scheduler.profiles().stream().filter(ProfileInfo::ready).map(ProfileInfo::name).toList();
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle bundle : bundleContext.getBundles()) {
            if (bundle.getSymbolicName().equals(symbolicName)) {
                return bundle;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }
}
