package io.karavel.itests.paxexam;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Profile node: for now only the shared model and SPIs (the node agent comes later). It must
 * install into a clean Karaf without a store or an API server.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class NodeFeatureIT extends KaravelKarafTestSupport {

    @Configuration
    public Option[] configuration() {
        return karavelDistribution();
    }

    @Test
    public void installsWithoutStoreOrApiServer() throws Exception {
        install("karavel-node");

        assertNoBundle("io.karavel.store.mapdb");
        assertNoBundle("io.karavel.apiserver");
        assertNoService("io.karavel.api.store.Store");
        assertNoService("io.karavel.apiserver.api.ApiServerRuntime");
        assertNoComponent("io.karavel.store.mapdb");
        assertNoComponent("io.karavel.apiserver");
    }
}
