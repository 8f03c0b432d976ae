package io.karavel.itests.process;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.CoreMatchers.not;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.After;
import org.junit.Test;

/**
 * {@code bin/client "karavel:get pods -A"} on the machine running Karavel, with no flag: the
 * client logs in as the local admin user created at first start, reaches the instance's ssh
 * port, and prints the table; from a script too (standard input at end of file). The only
 * thing given is the environment the instance runs with (its ssh port override), as on a
 * machine where that is configured.
 */
public class ShellClientIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final KaravelProcess karavel = KaravelProcess.fromFreshCopy("shell-client", "all-in-one");

    @After
    public void stopWhatThisTestStarted() throws Exception {
        try {
            // the process runtime's pods outlive the JVM: let the node agent stop the pod first
            if (karavel.isReady()) {
                URI pod = URI.create(karavel.apiUrl() + "/api/v1/namespaces/default/pods/client-probe");
                HttpClient http = HttpClient.newHttpClient();
                http.send(HttpRequest.newBuilder(pod).DELETE().build(), HttpResponse.BodyHandlers.discarding());
                Poll.until(TIMEOUT, "the pod to be gone", () -> {
                    try {
                        return http.send(HttpRequest.newBuilder(pod).GET().build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode() == 404;
                    } catch (Exception e) {
                        return false;
                    }
                });
            }
        } finally {
            karavel.close();
        }
    }

    @Test
    public void clientRunsKaravelCommandsWithoutFlags() throws Exception {
        karavel.start();
        createPod("client-probe");

        KaravelProcess.ClientOutcome[] last = new KaravelProcess.ClientOutcome[1];
        Poll.until(TIMEOUT, "bin/client to list the pod", () -> {
            last[0] = karavel.client("karavel:get pods -A");
            return last[0].exitCode() == 0 && last[0].output().contains("client-probe");
        });
        List<String> lines = last[0].output().strip().lines().toList();
        assertEquals(List.of("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"),
                List.of(lines.get(0).strip().split("\\s{2,}")));
        assertTrue(last[0].output(), lines.stream().anyMatch(l -> l.startsWith("default ") && l.contains(" client-probe ")));

        KaravelProcess.ClientOutcome unknown = karavel.client("karavel:get foo");
        assertNotEquals(unknown.output(), 0, unknown.exitCode());
        assertThat(unknown.output(), containsString("error: the server doesn't have a resource type \"foo\""));
        assertThat(unknown.output(), not(containsString("Exception")));
    }

    /** A pod for the process runtime, through the REST API. */
    private void createPod(String name) throws Exception {
        String pod = """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","namespace":"default"},
                 "spec":{"terminationGracePeriodSeconds":1,
                         "containers":[{"name":"main","image":"busybox","command":["sleep","3600"]}]}}""".formatted(name);
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(karavel.apiUrl() + "/api/v1/namespaces/default/pods"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(pod)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(response.body(), 201, response.statusCode());
    }
}
