package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.karavel.api.runtime.ContainerConfig.Mount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A pod's volumes as host directories under {@code <root>/pods/<uid>/volumes/<name>}, which the
 * runtime mounts into the containers (so every container of the pod sees the same files):
 * {@code emptyDir} (an empty directory living as long as the pod), {@code configMap} and
 * {@code secret} (one file per key, written when the pod starts, mounted read-only) and
 * {@code hostPath} (the host directory itself).
 */
final class VolumeManager {

    private final Path root;
    private final ObjectLookup lookup;

    VolumeManager(Path root, ObjectLookup lookup) {
        this.root = root;
        this.lookup = lookup;
    }

    private Path podDir(String uid) {
        return root.resolve("pods").resolve(uid);
    }

    /** Creates (or refreshes) the pod's volume directories. */
    void setUp(Pod pod) throws ContainerConfigException {
        String uid = pod.getMetadata().getUid();
        String namespace = pod.getMetadata().getNamespace();
        try {
            for (Volume v : nullToEmpty(pod.getSpec().getVolumes())) {
                Path dir = podDir(uid).resolve("volumes").resolve(v.getName());
                if (v.getEmptyDir() != null) {
                    Files.createDirectories(dir);
                } else if (v.getConfigMap() != null) {
                    ConfigMap cm = lookup.configMap(namespace, v.getConfigMap().getName());
                    if (cm == null && !Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
                        throw new ContainerConfigException("ContainerCreating",
                                "MountVolume.SetUp failed for volume \"" + v.getName() + "\": configmap \""
                                        + v.getConfigMap().getName() + "\" not found");
                    }
                    Map<String, byte[]> files = new LinkedHashMap<>();
                    if (cm != null) {
                        if (cm.getData() != null) {
                            cm.getData().forEach((k, val) -> files.put(k, val.getBytes(StandardCharsets.UTF_8)));
                        }
                        if (cm.getBinaryData() != null) {
                            cm.getBinaryData().forEach((k, val) -> files.put(k, Base64.getDecoder().decode(val)));
                        }
                    }
                    writeFiles(dir, files, v.getConfigMap().getItems(), v.getConfigMap().getDefaultMode(), v.getName());
                } else if (v.getSecret() != null) {
                    Secret secret = lookup.secret(namespace, v.getSecret().getSecretName());
                    if (secret == null && !Boolean.TRUE.equals(v.getSecret().getOptional())) {
                        throw new ContainerConfigException("ContainerCreating",
                                "MountVolume.SetUp failed for volume \"" + v.getName() + "\": secret \""
                                        + v.getSecret().getSecretName() + "\" not found");
                    }
                    Map<String, byte[]> files = new LinkedHashMap<>();
                    if (secret != null && secret.getData() != null) {
                        secret.getData().forEach((k, val) -> files.put(k, Base64.getDecoder().decode(val)));
                    }
                    writeFiles(dir, files, v.getSecret().getItems(), v.getSecret().getDefaultMode(), v.getName());
                } else if (v.getHostPath() == null) {
                    throw new ContainerConfigException("CreateContainerConfigError",
                            "volume \"" + v.getName() + "\": only emptyDir, configMap, secret and hostPath volumes"
                                    + " are supported");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the volumes of pod " + uid, e);
        }
    }

    /** Writes a ConfigMap's or Secret's keys as files: every key, or only the listed items. */
    private static void writeFiles(Path dir, Map<String, byte[]> files, List<KeyToPath> items, Integer defaultMode,
                                   String volume) throws IOException, ContainerConfigException {
        Map<String, byte[]> wanted = new LinkedHashMap<>();
        Map<String, Integer> modes = new LinkedHashMap<>();
        if (items == null || items.isEmpty()) {
            wanted.putAll(files);
        } else {
            for (KeyToPath item : items) {
                byte[] content = files.get(item.getKey());
                if (content == null) {
                    throw new ContainerConfigException("ContainerCreating", "MountVolume.SetUp failed for volume \""
                            + volume + "\": key " + item.getKey() + " not found");
                }
                wanted.put(item.getPath(), content);
                if (item.getMode() != null) {
                    modes.put(item.getPath(), item.getMode());
                }
            }
        }
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : wanted.entrySet()) {
            Path file = dir.resolve(e.getKey()).normalize();
            if (!file.startsWith(dir)) {
                throw new ContainerConfigException("CreateContainerConfigError",
                        "volume \"" + volume + "\": path " + e.getKey() + " leaves the volume");
            }
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.write(tmp, e.getValue());
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            int mode = modes.getOrDefault(e.getKey(), defaultMode == null ? 0644 : defaultMode);
            Files.setPosixFilePermissions(file, permissions(mode));
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder();
        String rwx = "rwx";
        for (int shift = 8; shift >= 0; shift--) {
            s.append((mode & (1 << shift)) != 0 ? rwx.charAt(2 - shift % 3) : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }

    /** The mounts of one container: its volumeMounts resolved to host directories. */
    List<Mount> mounts(Pod pod, Container container) throws ContainerConfigException {
        List<Mount> mounts = new ArrayList<>();
        Map<String, Volume> volumes = new LinkedHashMap<>();
        for (Volume v : nullToEmpty(pod.getSpec().getVolumes())) {
            volumes.put(v.getName(), v);
        }
        for (VolumeMount m : nullToEmpty(container.getVolumeMounts())) {
            Volume v = volumes.get(m.getName());
            if (v == null) {
                throw new ContainerConfigException("CreateContainerConfigError",
                        "volumeMount \"" + m.getName() + "\" names no volume of the pod");
            }
            Path source = v.getHostPath() != null ? Path.of(v.getHostPath().getPath())
                    : podDir(pod.getMetadata().getUid()).resolve("volumes").resolve(m.getName());
            if (m.getSubPath() != null && !m.getSubPath().isEmpty()) {
                source = source.resolve(m.getSubPath());
                try {
                    if (!Files.exists(source)) {
                        Files.createDirectories(source);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            boolean readOnly = Boolean.TRUE.equals(m.getReadOnly()) || v.getConfigMap() != null || v.getSecret() != null;
            mounts.add(new Mount(source.toString(), m.getMountPath(), readOnly));
        }
        return mounts;
    }

    /** Deletes the pod's volume directories (hostPath volumes are left alone: they are not ours). */
    void tearDown(String uid) {
        Path dir = podDir(uid);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the volumes of pod " + uid, e);
        }
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
