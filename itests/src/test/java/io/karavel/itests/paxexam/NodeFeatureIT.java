package io.karavel.itests.paxexam;

import io.karavel.api.runtime.ContainerRuntime;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Profile node: the node agent and the runtimes. It must install into a clean Karaf without a
 * store or an API server; the agent then waits for its API server (registration is retried).
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

        awaitService(ContainerRuntime.class, "(runtime.name=process)");
        awaitService(ContainerRuntime.class, "(runtime.name=simulated)");
        assertComponentActive("io.karavel.kubelet");
    }
}
