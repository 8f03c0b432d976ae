package io.karavel.runtime.process.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * What the runtime needs from the Linux process table and host tools: process identity by pid and
 * start time (so a recycled pid is never mistaken for a container), signals to whole process
 * groups, and the absolute paths of the util-linux and coreutils programs it runs.
 */
final class HostProcesses {

    private static final List<String> BIN_DIRECTORIES = List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin");

    private HostProcesses() {
    }

    /**
     * The start time of a live process in clock ticks since boot ({@code /proc/<pid>/stat} field
     * 22), empty when there is no such process or it is a zombie (exited, not yet reaped).
     */
    static OptionalLong startTicks(long pid) {
        if (pid <= 0) {
            return OptionalLong.empty();
        }
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        // The command name (field 2) is in parentheses and may contain spaces: parse after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        String state = fields[0];
        if (state.equals("Z") || state.equals("X")) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(fields[19]));
    }

    /** Whether {@code pid} still is the process that started at {@code startTicks}. */
    static boolean isAlive(long pid, long startTicks) {
        OptionalLong ticks = startTicks(pid);
        return ticks.isPresent() && ticks.getAsLong() == startTicks;
    }

    /**
     * Sends {@code signal} ({@code TERM}, {@code KILL}) to every process of the process group
     * {@code pgid}. Returns whether the group existed.
     */
    static boolean signalGroup(long pgid, String signal) {
        if (pgid <= 1) {
            return false;
        }
        try {
            Process kill = new ProcessBuilder(tool("kill"), "-s", signal, "--", "-" + pgid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                return false;
            }
            return kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The absolute path of a host program, or the bare name when it is in none of the usual directories. */
    static String tool(String name) {
        return findTool(name).orElse(name);
    }

    static Optional<String> findTool(String name) {
        for (String directory : BIN_DIRECTORIES) {
            Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    /** Whether this JVM runs with effective uid 0 (needed for mount namespaces and bind mounts). */
    static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).trim().split("\\s+");
                    return ids.length > 1 && ids[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
