package io.karavel.runtime.process.impl;

import io.karavel.api.runtime.PodSandbox;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;

/**
 * A sandbox as persisted in {@code sandboxes/<id>/sandbox.properties}. A process pod's sandbox is
 * nothing but its loopback IP and identity: there is no process behind it.
 *
 * @param ip the pod IP while ready; {@code null} once stopped (the IP is then free again)
 */
record SandboxRecord(String id, String uid, String namespace, String name, String hostname, String ip, boolean ready,
                     Instant createdAt, Map<String, String> labels, Map<String, String> annotations) {

    static final String FILE_NAME = "sandbox.properties";

    SandboxRecord stopped() {
        return new SandboxRecord(id, uid, namespace, name, hostname, null, false, createdAt, labels, annotations);
    }

    PodSandbox toPodSandbox() {
        return new PodSandbox(id, uid, namespace, name, ready, ip, createdAt, labels, annotations);
    }

    void save(Path directory) {
        Properties properties = new Properties();
        properties.setProperty("id", id);
        properties.setProperty("uid", uid);
        properties.setProperty("namespace", namespace);
        properties.setProperty("name", name);
        properties.setProperty("hostname", hostname);
        StateFiles.putOptional(properties, "ip", ip);
        properties.setProperty("ready", Boolean.toString(ready));
        properties.setProperty("createdAt", createdAt.toString());
        StateFiles.putMap(properties, "label", labels);
        StateFiles.putMap(properties, "annotation", annotations);
        StateFiles.write(directory.resolve(FILE_NAME), properties);
    }

    static SandboxRecord load(Path directory) {
        Properties p = StateFiles.read(directory.resolve(FILE_NAME));
        return new SandboxRecord(p.getProperty("id"), p.getProperty("uid"), p.getProperty("namespace"),
                p.getProperty("name"), p.getProperty("hostname"), p.getProperty("ip"),
                Boolean.parseBoolean(p.getProperty("ready")), StateFiles.getInstant(p, "createdAt"),
                StateFiles.getMap(p, "label"), StateFiles.getMap(p, "annotation"));
    }
}
