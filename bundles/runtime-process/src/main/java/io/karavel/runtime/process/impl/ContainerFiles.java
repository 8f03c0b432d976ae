package io.karavel.runtime.process.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The files of one container, in {@code containers/<id>/}:
 * <ul>
 * <li>{@code container.properties}: its {@link ContainerRecord};</li>
 * <li>{@code start.sh}: the generated wrapper script;</li>
 * <li>{@code stdout.raw}, {@code stderr.raw}: the process's output exactly as written (the files
 *     are its stdout and stderr: no pipe into the JVM, which would break when the JVM dies);</li>
 * <li>{@code pid}: the command's pid (= its process group and session id) and start time, written
 *     by the wrapper;</li>
 * <li>{@code exit}: the exit code, written by the wrapper when the command has exited (shell style:
 *     128 + signal number when killed by a signal); {@code message} when the wrapper itself failed;</li>
 * <li>{@code container.log}: the CRI-format log ({@code <RFC3339Nano> stdout|stderr F|P <line>}),
 *     {@code log.offsets} how far the raw files were copied into it, {@code log.done} once it is
 *     complete (see {@link LogPump});</li>
 * <li>{@code rootfs/}: the default working directory.</li>
 * </ul>
 */
record ContainerFiles(Path directory) {

    Path record() {
        return directory.resolve(ContainerRecord.FILE_NAME);
    }

    Path startScript() {
        return directory.resolve("start.sh");
    }

    Path rawStdout() {
        return directory.resolve("stdout.raw");
    }

    Path rawStderr() {
        return directory.resolve("stderr.raw");
    }

    Path stdinFifo() {
        return directory.resolve("stdin.fifo");
    }

    Path commandPid() {
        return directory.resolve("pid");
    }

    Path exitCode() {
        return directory.resolve("exit");
    }

    Path message() {
        return directory.resolve("message");
    }

    Path log() {
        return directory.resolve("container.log");
    }

    Path logOffsets() {
        return directory.resolve("log.offsets");
    }

    Path logDone() {
        return directory.resolve("log.done");
    }

    Path defaultWorkingDir() {
        return directory.resolve("rootfs");
    }

    /** The exit code the wrapper recorded, empty while the command runs (or never ran). */
    OptionalInt readExitCode() {
        String text = readSmallFile(exitCode());
        if (text == null || text.isBlank()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(text.trim()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** When the exit code was written: the container's finish time. */
    Instant exitTime() {
        try {
            return Files.getLastModifiedTime(exitCode()).toInstant();
        } catch (IOException e) {
            return null;
        }
    }

    /** The command's pid (= its process group and session id), empty until the wrapper wrote it. */
    OptionalLong readCommandPid() {
        return commandPidField(0);
    }

    /** The command's start time in clock ticks since boot, as the wrapper read it. */
    OptionalLong readCommandStartTicks() {
        return commandPidField(1);
    }

    private OptionalLong commandPidField(int index) {
        String text = readSmallFile(commandPid());
        if (text == null || text.isBlank()) {
            return OptionalLong.empty();
        }
        String[] fields = text.trim().split("\\s+");
        try {
            return fields.length > index ? OptionalLong.of(Long.parseLong(fields[index])) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    String readMessage() {
        String text = readSmallFile(message());
        return text == null || text.isBlank() ? null : text.trim();
    }

    static String readSmallFile(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
