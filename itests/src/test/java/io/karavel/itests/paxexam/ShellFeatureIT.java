package io.karavel.itests.paxexam;

import static org.junit.Assert.assertEquals;

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
 * The shell feature alone (as on an instance without store and API server, like a node):
 * {@code karavel:status} works and shows {@code -} for every absent component.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellFeatureIT extends KaravelKarafTestSupport {

    @Inject
    SessionFactory sessionFactory;

    @Configuration
    public Option[] configuration() {
        return karavelDistribution();
    }

    @Test
    public void statusShowsAbsentComponentsAsDash() throws Exception {
        install("karavel-shell");

        List<List<String>> lines = tableLines(executeCommand(sessionFactory, "karavel:status"));
        assertEquals(List.of(
                List.of("Item", "Value"),
                List.of("profile", "-"),
                List.of("apiserver.url", "-"),
                List.of("apiserver.ready", "-"),
                List.of("store.revision", "-")), lines);
    }
}
