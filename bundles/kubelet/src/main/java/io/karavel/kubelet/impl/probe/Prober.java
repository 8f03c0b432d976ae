package io.karavel.kubelet.impl.probe;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.api.runtime.ExecProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one probe once, the kubelet's way: {@code httpGet} succeeds on a status from 200 to 399,
 * {@code tcpSocket} when a connection opens, {@code exec} when the command exits 0; each within
 * {@code timeoutSeconds}. Probes go to the pod IP unless {@code host} says otherwise.
 */
public final class Prober {

    /** The outcome of one probe. */
    public record Result(boolean success, String message) {
        static Result ok() {
            return new Result(true, null);
        }

        static Result failed(String message) {
            return new Result(false, message);
        }
    }

    /**
     * One HTTP client for every node agent of the JVM, made on the first httpGet probe: a client
     * owns a selector thread, and hollow nodes (hundreds per JVM) never probe.
     */
    private static final class Http {
        static final HttpClient CLIENT = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }
    private final ContainerRuntime runtime;

    public Prober(ContainerRuntime runtime) {
        this.runtime = runtime;
    }

    public Result probe(Probe probe, Container container, String containerId, String podIp) {
        int timeoutSeconds = probe.getTimeoutSeconds() == null || probe.getTimeoutSeconds() < 1 ? 1
                : probe.getTimeoutSeconds();
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        try {
            if (probe.getHttpGet() != null) {
                var get = probe.getHttpGet();
                String host = get.getHost() == null || get.getHost().isEmpty() ? podIp : get.getHost();
                int port = port(get.getPort(), container);
                String scheme = get.getScheme() == null ? "http" : get.getScheme().toLowerCase();
                String path = get.getPath() == null || get.getPath().isEmpty() ? "/" : get.getPath();
                if (!path.startsWith("/")) {
                    path = "/" + path;
                }
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(scheme + "://" + hostPort(host, port) + path))
                        .timeout(timeout).header("User-Agent", "kube-probe/1.32");
                if (get.getHttpHeaders() != null) {
                    for (HTTPHeader h : get.getHttpHeaders()) {
                        request.header(h.getName(), h.getValue());
                    }
                }
                HttpResponse<Void> response = Http.CLIENT.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
                        .get(timeoutSeconds, TimeUnit.SECONDS);
                int code = response.statusCode();
                return code >= 200 && code < 400 ? Result.ok()
                        : Result.failed("HTTP probe failed with statuscode: " + code);
            }
            if (probe.getTcpSocket() != null) {
                var tcp = probe.getTcpSocket();
                String host = tcp.getHost() == null || tcp.getHost().isEmpty() ? podIp : tcp.getHost();
                int port = port(tcp.getPort(), container);
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
                    return Result.ok();
                }
            }
            if (probe.getExec() != null) {
                return exec(probe.getExec().getCommand(), containerId, timeoutSeconds);
            }
            return Result.failed("probe has no handler this node agent supports (httpGet, tcpSocket, exec)");
        } catch (TimeoutException e) {
            return Result.failed("probe timed out after " + timeoutSeconds + "s");
        } catch (ExecutionException e) {
            return Result.failed("probe failed: " + e.getCause().getMessage());
        } catch (IOException | RuntimeException e) {
            return Result.failed("probe failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.failed("probe interrupted");
        }
    }

    private Result exec(java.util.List<String> command, String containerId, int timeoutSeconds)
            throws IOException, InterruptedException, ExecutionException {
        try (ExecProcess process = runtime.exec(containerId, command, false, false)) {
            // Drain the output so a chatty command cannot block on a full pipe.
            CompletableFuture.runAsync(() -> drain(process.stdout()));
            CompletableFuture.runAsync(() -> drain(process.stderr()));
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            });
            try {
                int code = exit.get(timeoutSeconds, TimeUnit.SECONDS);
                return code == 0 ? Result.ok() : Result.failed("command " + command + " exited with " + code);
            } catch (TimeoutException e) {
                return Result.failed("command " + command + " timed out after " + timeoutSeconds + "s");
            }
        }
    }

    private static void drain(java.io.InputStream in) {
        try (in) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the process went away
        }
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** A probe port: a number, or the name of one of the container's ports. */
    static int port(IntOrString port, Container container) {
        if (port == null) {
            throw new IllegalArgumentException("probe has no port");
        }
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        String name = port.getStrVal();
        if (container.getPorts() != null) {
            for (ContainerPort p : container.getPorts()) {
                if (name.equals(p.getName())) {
                    return p.getContainerPort();
                }
            }
        }
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("container " + container.getName() + " has no port named " + name);
        }
    }
}
