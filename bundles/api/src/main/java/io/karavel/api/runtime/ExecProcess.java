package io.karavel.api.runtime;

import java.io.InputStream;
import java.io.OutputStream;

/** A command running inside a container (see {@link ContainerRuntime#exec}). */
public interface ExecProcess extends AutoCloseable {

    /** Its standard input; closing it sends end-of-file. A sink when exec had no stdin. */
    OutputStream stdin();

    /** Its standard output (with a tty: the terminal output). */
    InputStream stdout();

    /** Its standard error; empty with a tty. */
    InputStream stderr();

    /** Waits for it to exit and returns its exit code. */
    int waitFor() throws InterruptedException;

    /** Kills it if still running and frees its resources. */
    @Override
    void close();
}
