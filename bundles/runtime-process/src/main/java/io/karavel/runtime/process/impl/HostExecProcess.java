package io.karavel.runtime.process.impl;

import io.karavel.api.runtime.ExecProcess;
import java.io.InputStream;
import java.io.OutputStream;

/** An {@link ExecProcess} backed by a host process started by the JVM (pipes for its streams). */
final class HostExecProcess implements ExecProcess {

    private final Process process;
    private final boolean withStdin;

    HostExecProcess(Process process, boolean withStdin) {
        this.process = process;
        this.withStdin = withStdin;
    }

    @Override
    public OutputStream stdin() {
        return withStdin ? process.getOutputStream() : OutputStream.nullOutputStream();
    }

    @Override
    public InputStream stdout() {
        return process.getInputStream();
    }

    @Override
    public InputStream stderr() {
        return process.getErrorStream();
    }

    @Override
    public int waitFor() throws InterruptedException {
        return process.waitFor();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
