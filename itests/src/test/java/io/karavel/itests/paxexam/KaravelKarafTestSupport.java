package io.karavel.itests.paxexam;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Dependency;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * Boots the built Karavel distribution (system property {@code karavel.assembly.archive}) in a
 * clean state: only Karaf's own boot features, no Karavel profile. Each test class then installs
 * the feature it is about, and asserts on bundles, services and shell output, never on logs.
 *
 * <p>The ssh and API server ports are moved to free ones (Pax Exam moves the JMX RMI ports
 * itself) and the store to a fresh temporary directory, so that the tests can run while another
 * Karavel runs on this machine.
 */
public abstract class KaravelKarafTestSupport {

    /** Karaf's boot features in the distribution, without the profile feature. */
    static final String KARAF_BOOT_FEATURES =
            "instance, package, log, ssh, system, feature, shell, management, bundle, config, diagnostic, scr";

    static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Inject
    protected BundleContext bundleContext;

    @Inject
    protected FeaturesService featuresService;

    @Inject
    protected ServiceComponentRuntime serviceComponentRuntime;

    /** Pax Exam configuration: the distribution, moved ports and store, a clean boot. */
    protected static Option[] karavelDistribution() {
        String archive = System.getProperty("karavel.assembly.archive");
        if (archive == null || !new File(archive).isFile()) {
            throw new IllegalStateException("system property karavel.assembly.archive must name the built"
                    + " distribution archive (karaf-dist/target/karavel-<version>.tar.gz); got " + archive);
        }
        int sshPort = freePort();
        int apiPort = freePort();
        String storeDir;
        String nodeDir;
        try {
            // under target/, so that `mvn clean` removes it
            Path stores = Files.createDirectories(Paths.get("target", "paxexam", "stores"));
            storeDir = Files.createTempDirectory(stores, "store-").toAbsolutePath().toString();
            Path nodes = Files.createDirectories(Paths.get("target", "paxexam", "nodes"));
            nodeDir = Files.createTempDirectory(nodes, "node-").toAbsolutePath().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Option[] {
            karafDistributionConfiguration()
                    .frameworkUrl(new File(archive).toURI().toString())
                    .karafVersion(System.getProperty("karaf.version", "4.4.10"))
                    .name("Karavel")
                    .unpackDirectory(new File("target/paxexam/unpack"))
                    .useDeployFolder(false),
            configureConsole().ignoreLocalConsole(),
            logLevel(LogLevel.WARN),
            systemTimeout(TIMEOUT.toMillis()),
            // a clean Karaf: the profile feature is what the test installs
            editConfigurationFilePut("etc/org.apache.karaf.features.cfg", "featuresBoot", KARAF_BOOT_FEATURES),
            editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(sshPort)),
            editConfigurationFilePut("etc/io.karavel.apiserver.cfg", "port", Integer.toString(apiPort)),
            editConfigurationFilePut("etc/io.karavel.store.mapdb.cfg", "dir", storeDir),
            // The node agent: the process runtime (no podman service inside the test container),
            // its own directories and addresses, and any free port for its logs/exec server.
            editConfigurationFilePut("etc/io.karavel.kubelet.cfg", "api.port", Integer.toString(apiPort)),
            editConfigurationFilePut("etc/io.karavel.kubelet.cfg", "kubelet.port", "0"),
            editConfigurationFilePut("etc/io.karavel.kubelet.cfg", "node.name", "paxexam-node"),
            editConfigurationFilePut("etc/io.karavel.kubelet.cfg", "runtime.target", "(runtime.name=process)"),
            editConfigurationFilePut("etc/io.karavel.kubelet.cfg", "root.dir", nodeDir + "/kubelet"),
            editConfigurationFilePut("etc/io.karavel.runtime.process.cfg", "root.dir", nodeDir + "/process"),
            editConfigurationFilePut("etc/io.karavel.runtime.process.cfg", "ip.range", "127.79.0.0/16"),
            // The service proxy: this test's API server; no bridge side (no host route from a test)
            editConfigurationFilePut("etc/io.karavel.proxy.cfg", "api.port", Integer.toString(apiPort)),
            editConfigurationFilePut("etc/io.karavel.proxy.cfg", "bridge.service.range", ""),
        };
    }

    /** Installs a feature (once per container) and waits until its bundles are active. */
    protected void install(String feature) throws Exception {
        if (!featuresService.isInstalled(featuresService.getFeature(feature))) {
            featuresService.installFeature(feature);
        }
        assertBundlesActive(feature);
    }

    /** Every bundle of {@code feature} and of the Karavel features it depends on is ACTIVE (fragments RESOLVED). */
    protected void assertBundlesActive(String feature) throws Exception {
        List<Bundle> bundles = new ArrayList<>();
        for (String location : bundleLocations(feature, new LinkedHashSet<>())) {
            Bundle bundle = bundleContext.getBundle(location);
            assertNotNull("bundle " + location + " of feature " + feature + " is installed", bundle);
            bundles.add(bundle);
        }
        await("bundles of " + feature + " active", () -> bundles.stream().allMatch(b -> b.getState() == expectedState(b)));
        for (Bundle bundle : bundles) {
            assertEquals(bundle.getSymbolicName() + " state", expectedState(bundle), bundle.getState());
        }
    }

    private static int expectedState(Bundle bundle) {
        return bundle.getHeaders().get("Fragment-Host") != null ? Bundle.RESOLVED : Bundle.ACTIVE;
    }

    private Set<String> bundleLocations(String featureName, Set<String> into) throws Exception {
        Feature feature = featuresService.getFeature(featureName);
        assertNotNull("feature " + featureName + " exists", feature);
        for (BundleInfo bundle : feature.getBundles()) {
            into.add(bundle.getLocation());
        }
        for (Dependency dependency : feature.getDependencies()) {
            if (dependency.getName().startsWith("karavel-")) {
                bundleLocations(dependency.getName(), into);
            }
        }
        return into;
    }

    /**
     * Waits for a service (the feature under test is installed at run time, after injection, so
     * its services are looked up here rather than injected) and returns it.
     */
    protected <T> T awaitService(Class<T> type, String filter) {
        Object[] found = new Object[1];
        await(type.getSimpleName() + " service " + (filter == null ? "" : filter), () -> {
            try {
                for (ServiceReference<T> reference : bundleContext.getServiceReferences(type, filter)) {
                    T service = bundleContext.getService(reference);
                    if (service != null) { // null if the DS component failed to activate
                        found[0] = service;
                        return true;
                    }
                }
                return false;
            } catch (InvalidSyntaxException e) {
                throw new IllegalArgumentException(e);
            }
        });
        return type.cast(found[0]);
    }

    /** The DS component named {@code name} (its PID, by the house convention) becomes ACTIVE. */
    protected void assertComponentActive(String name) {
        await("DS component " + name + " ACTIVE", () -> componentStates(name).contains(ComponentConfigurationDTO.ACTIVE));
    }

    /** The states of the configurations of a component; empty if no bundle declares it. */
    private List<Integer> componentStates(String name) {
        List<Integer> states = new ArrayList<>();
        for (ComponentDescriptionDTO description : serviceComponentRuntime.getComponentDescriptionDTOs()) {
            if (description.name.equals(name)) {
                for (ComponentConfigurationDTO configuration : serviceComponentRuntime.getComponentConfigurationDTOs(description)) {
                    states.add(configuration.state);
                }
            }
        }
        return states;
    }

    /** No bundle declares a DS component of this name. */
    protected void assertNoComponent(String name) {
        assertEquals("configurations of component " + name, List.of(), componentStates(name));
    }

    /** No service is registered under this interface name (whether or not its package exists here). */
    protected void assertNoService(String interfaceName) throws Exception {
        ServiceReference<?>[] references = bundleContext.getAllServiceReferences(interfaceName, null);
        assertEquals("services registered as " + interfaceName, 0, references == null ? 0 : references.length);
    }

    /** No bundle with this symbolic name is installed. */
    protected void assertNoBundle(String symbolicName) {
        for (Bundle bundle : bundleContext.getBundles()) {
            assertNotEquals("bundle installed: " + symbolicName, symbolicName, bundle.getSymbolicName());
        }
    }

    /**
     * Runs a shell command as a user would type it and returns what it printed. Karaf registers
     * commands asynchronously after their bundle starts, so a missing command is retried.
     */
    protected String executeCommand(SessionFactory sessionFactory, String command) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
            try (Session session = sessionFactory.create(System.in, out, out)) {
                session.execute(command);
                out.flush();
                return bytes.toString(StandardCharsets.UTF_8);
            } catch (Exception e) {
                boolean notYetRegistered = String.valueOf(e.getMessage()).contains("not found");
                if (!notYetRegistered || System.nanoTime() > deadline) {
                    throw new AssertionError("command '" + command + "' failed: " + e + "\n" + bytes, e);
                }
            }
            pause();
        }
    }

    /** Polls {@code condition} until it holds, or fails after {@link #TIMEOUT}. */
    protected static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + TIMEOUT.toSeconds() + " s waiting for: " + what);
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100); // polling interval, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The lines of a ShellTable as cells, header first, separator lines skipped. Columns are
     * separated by {@code |} (or {@code │} on a terminal).
     */
    protected static List<List<String>> tableLines(String output) {
        List<List<String>> lines = new ArrayList<>();
        for (String line : output.strip().split("\\R")) {
            if (line.isBlank() || line.matches("[-+─┼\\s]+")) {
                continue;
            }
            List<String> cells = new ArrayList<>();
            for (String cell : line.split("[|│]", -1)) {
                cells.add(cell.strip());
            }
            lines.add(cells);
        }
        return lines;
    }
}
