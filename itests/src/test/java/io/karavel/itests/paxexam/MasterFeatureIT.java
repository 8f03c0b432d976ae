package io.karavel.itests.paxexam;

import static org.hamcrest.CoreMatchers.startsWith;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import io.karavel.api.store.Store;
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
        ControlPlaneView.controllersComeAndGoWithTheirBundle(this);
    }

    @Test
    public void schedulingStrategiesComeAndGoWithTheirBundles() throws Exception {
        install("karavel-master");
        assertComponentActive("io.karavel.scheduler");
        ControlPlaneView.strategiesComeAndGoWithTheirBundles(this);
    }
}
