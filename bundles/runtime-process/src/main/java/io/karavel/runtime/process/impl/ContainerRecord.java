package io.karavel.runtime.process.impl;

import io.karavel.api.runtime.ContainerConfig.Mount;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A container as persisted in {@code containers/<id>/container.properties}: what it was created
 * with and, once started, which host process runs it. Its state (running, exited, exit code) is
 * never stored here but read from the process table and the files its wrapper writes (see
 * {@link ContainerFiles}), so it stays right while no runtime instance runs.
 *
 * @param env the complete environment of the process (the configured one plus {@code POD_IP},
 *     {@code HOSTNAME} and {@code PATH})
 * @param workingDir the directory the process starts in (absolute)
 * @param podIp the sandbox's IP when the container was created (for exec)
 * @param resolvConf the pod's resolv.conf on the host, bind-mounted over {@code /etc/resolv.conf};
 *     {@code null}: the container sees the host's
 * @param startedAt when it was started, {@code null} while created
 * @param wrapperPid the pid of its wrapper shell ({@code -1} while created)
 * @param wrapperStartTicks the wrapper's start time in clock ticks since boot
 *     ({@code /proc/<pid>/stat} field 22): a recycled pid has another one
 */
record ContainerRecord(String id, String sandboxId, String name, int attempt, String image, String imageRef,
                       List<String> command, List<String> args, Map<String, String> env, String workingDir,
                       List<Mount> mounts, boolean stdin, boolean tty, Map<String, String> labels, String podIp,
                       String resolvConf, Instant createdAt, Instant startedAt, long wrapperPid,
                       long wrapperStartTicks) {

    static final String FILE_NAME = "container.properties";

    ContainerRecord started(Instant at, long pid, long startTicks) {
        return new ContainerRecord(id, sandboxId, name, attempt, image, imageRef, command, args, env, workingDir,
                mounts, stdin, tty, labels, podIp, resolvConf, createdAt, at, pid, startTicks);
    }

    /** The command line the container runs: {@code command + args}, as Kubernetes joins them. */
    List<String> commandLine() {
        List<String> line = new ArrayList<>(command);
        line.addAll(args);
        return line;
    }

    /** Whether the container runs in its own mount namespace (it has volume mounts or its pod's resolver). */
    boolean ownMountNamespace() {
        return !mounts.isEmpty() || resolvConf != null;
    }

    void save(Path directory) {
        Properties p = new Properties();
        p.setProperty("id", id);
        p.setProperty("sandboxId", sandboxId);
        p.setProperty("name", name);
        p.setProperty("attempt", Integer.toString(attempt));
        p.setProperty("image", image);
        StateFiles.putOptional(p, "imageRef", imageRef);
        StateFiles.putList(p, "command", command);
        StateFiles.putList(p, "args", args);
        StateFiles.putMap(p, "env", env);
        p.setProperty("workingDir", workingDir);
        p.setProperty("mount.count", Integer.toString(mounts.size()));
        for (int i = 0; i < mounts.size(); i++) {
            p.setProperty("mount." + i + ".hostPath", mounts.get(i).hostPath());
            p.setProperty("mount." + i + ".containerPath", mounts.get(i).containerPath());
            p.setProperty("mount." + i + ".readOnly", Boolean.toString(mounts.get(i).readOnly()));
        }
        p.setProperty("stdin", Boolean.toString(stdin));
        p.setProperty("tty", Boolean.toString(tty));
        StateFiles.putMap(p, "label", labels);
        StateFiles.putOptional(p, "podIp", podIp);
        StateFiles.putOptional(p, "resolvConf", resolvConf);
        p.setProperty("createdAt", createdAt.toString());
        StateFiles.putOptional(p, "startedAt", startedAt);
        p.setProperty("wrapperPid", Long.toString(wrapperPid));
        p.setProperty("wrapperStartTicks", Long.toString(wrapperStartTicks));
        StateFiles.write(directory.resolve(FILE_NAME), p);
    }

    static ContainerRecord load(Path directory) {
        Properties p = StateFiles.read(directory.resolve(FILE_NAME));
        int mountCount = Integer.parseInt(p.getProperty("mount.count", "0"));
        List<Mount> mounts = new ArrayList<>(mountCount);
        for (int i = 0; i < mountCount; i++) {
            mounts.add(new Mount(p.getProperty("mount." + i + ".hostPath"), p.getProperty("mount." + i + ".containerPath"),
                    Boolean.parseBoolean(p.getProperty("mount." + i + ".readOnly"))));
        }
        return new ContainerRecord(p.getProperty("id"), p.getProperty("sandboxId"), p.getProperty("name"),
                Integer.parseInt(p.getProperty("attempt", "0")), p.getProperty("image"), p.getProperty("imageRef"),
                StateFiles.getList(p, "command"), StateFiles.getList(p, "args"), StateFiles.getMap(p, "env"),
                p.getProperty("workingDir"), mounts, Boolean.parseBoolean(p.getProperty("stdin")),
                Boolean.parseBoolean(p.getProperty("tty")), StateFiles.getMap(p, "label"), p.getProperty("podIp"),
                p.getProperty("resolvConf"),
                StateFiles.getInstant(p, "createdAt"), StateFiles.getInstant(p, "startedAt"),
                Long.parseLong(p.getProperty("wrapperPid", "-1")), Long.parseLong(p.getProperty("wrapperStartTicks", "-1")));
    }
}
