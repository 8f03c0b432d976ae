package io.karavel.kubelet.impl.server;

import io.karavel.api.runtime.ExecProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code exec} WebSocket: pipes a running command's stdout and stderr to the client on
 * channels 1 and 2, the client's channel 0 to its stdin, and once the command has exited and its
 * output is drained, sends its exit Status on channel 3 and closes the WebSocket normally. Closing
 * the WebSocket from the client side kills the command.
 *
 * <p>Reading the process's streams blocks, so each output stream gets a thread of
 * {@code streamThreads}; frames are sent one at a time (each send waits for the previous one),
 * which makes a slow client slow the command down instead of filling memory.
 */
final class ExecSession implements FrameHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ExecSession.class);
    private static final int CHUNK = 8192;

    private final ExecProcess process;
    private final ExecOptions options;
    private final boolean closeSignal;
    private final Executor streamThreads;
    private final AtomicBoolean stdinClosed = new AtomicBoolean();
    private final AtomicBoolean clientGone = new AtomicBoolean();
    private final AtomicBoolean processClosed = new AtomicBoolean();
    private volatile CoreSession session;
    /** Channel of the message being received, for its continuation frames (only one reader thread). */
    private byte messageChannel = -1;

    /**
     * @param protocol the negotiated subprotocol; v5 adds the close signal on channel 255
     */
    ExecSession(ExecProcess process, ExecOptions options, String protocol, Executor streamThreads) {
        this.process = process;
        this.options = options;
        this.closeSignal = RemoteCommand.V5.equals(protocol);
        this.streamThreads = streamThreads;
    }

    /** What the client asked for: which streams it attaches, and whether it runs on a terminal. */
    record ExecOptions(boolean stdin, boolean stdout, boolean stderr, boolean tty) {}

    @Override
    public void onOpen(CoreSession coreSession, Callback callback) {
        this.session = coreSession;
        callback.succeeded();
        // Like the kubelet: an empty message on the lowest channel the client reads tells it the
        // stream is established.
        byte first = options.stdout() ? RemoteCommand.STDOUT : options.stderr() ? RemoteCommand.STDERR : RemoteCommand.ERROR;
        coreSession.sendFrame(new Frame(OpCode.BINARY, ByteBuffer.wrap(new byte[] {first})), Callback.NOOP, false);
        if (!options.stdin()) {
            closeStdin();
        }
        CountDownLatch outputsDone = new CountDownLatch(2);
        streamThreads.execute(() -> pump(process.stdout(), RemoteCommand.STDOUT, options.stdout(), outputsDone));
        streamThreads.execute(() -> pump(process.stderr(), RemoteCommand.STDERR, options.stderr(), outputsDone));
        streamThreads.execute(() -> finish(outputsDone));
        coreSession.demand();
    }

    /** Copies one output stream to its channel (or drains it when the client did not ask for it). */
    private void pump(InputStream in, byte channel, boolean wanted, CountDownLatch done) {
        byte[] buffer = new byte[CHUNK + 1];
        buffer[0] = channel;
        try (in) {
            int n;
            while ((n = in.read(buffer, 1, CHUNK)) >= 0) {
                if (n > 0 && wanted && !clientGone.get()) {
                    send(ByteBuffer.wrap(buffer, 0, n + 1));
                }
            }
        } catch (IOException e) {
            LOG.debug("exec output stream {} ended: {}", channel, e.toString());
        } finally {
            done.countDown();
        }
    }

    /** Once both outputs are drained: the exit Status on the error channel, then a normal close. */
    private void finish(CountDownLatch outputsDone) {
        byte[] status;
        try {
            outputsDone.await();
            status = RemoteCommand.exitStatus(process.waitFor());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = RemoteCommand.failureStatus("the node agent stopped while the command ran");
        }
        if (!clientGone.get()) {
            byte[] message = new byte[status.length + 1];
            message[0] = RemoteCommand.ERROR;
            System.arraycopy(status, 0, message, 1, status.length);
            send(ByteBuffer.wrap(message));
            session.close(CloseStatus.NORMAL, null, Callback.NOOP);
        }
        closeProcess();
    }

    /** Closes the process once, whichever of its exit and the client's leaving comes first. */
    private void closeProcess() {
        if (processClosed.compareAndSet(false, true)) {
            process.close();
        }
    }

    /** Sends one binary frame and waits until it is written (back-pressure). */
    private void send(ByteBuffer message) {
        Callback.Completable sent = new Callback.Completable();
        session.sendFrame(new Frame(OpCode.BINARY, message), sent, false);
        try {
            sent.get();
        } catch (ExecutionException e) {
            clientGone.set(true);
            LOG.debug("exec client went away: {}", e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            clientGone.set(true);
        }
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
        byte opCode = frame.getOpCode();
        if (opCode == OpCode.PING) {
            // Jetty's core API leaves pongs to us; clients (kubectl) drop sessions without them
            ByteBuffer ping = frame.getPayload();
            ByteBuffer pong = ByteBuffer.allocate(ping == null ? 0 : ping.remaining());
            if (ping != null) {
                pong.put(ping.slice()).flip();
            }
            session.sendFrame(new Frame(OpCode.PONG, pong), Callback.from(() -> {
                callback.succeeded();
                session.demand();
            }, callback::failed), false);
            return;
        }
        if (opCode != OpCode.BINARY && opCode != OpCode.CONTINUATION) {
            // control frames are answered by the session; text (base64 protocols) is not negotiated
            callback.succeeded();
            if (opCode != OpCode.CLOSE) {
                session.demand();
            }
            return;
        }
        ByteBuffer payload = frame.getPayload();
        byte channel;
        if (opCode == OpCode.BINARY) {
            if (payload == null || !payload.hasRemaining()) {
                callback.succeeded();
                session.demand();
                return;
            }
            channel = payload.get();
        } else {
            channel = messageChannel;
        }
        messageChannel = frame.isFin() ? -1 : channel;
        byte[] data = new byte[payload == null ? 0 : payload.remaining()];
        if (payload != null) {
            payload.get(data);
        }
        if (channel == RemoteCommand.STDIN && data.length > 0 && !stdinClosed.get()) {
            // writing to a pipe blocks while the command does not read: not on Jetty's thread
            streamThreads.execute(() -> {
                writeStdin(data);
                callback.succeeded();
                session.demand();
            });
            return;
        }
        if (channel == RemoteCommand.CLOSE && closeSignal && data.length > 0 && data[0] == RemoteCommand.STDIN) {
            closeStdin();
        }
        // resize (4) is accepted and ignored: the runtimes run commands without a terminal size
        callback.succeeded();
        session.demand();
    }

    private void writeStdin(byte[] data) {
        try {
            OutputStream stdin = process.stdin();
            stdin.write(data);
            stdin.flush();
        } catch (IOException e) {
            // the command closed its stdin or exited: what the client still sends is dropped
            LOG.debug("exec stdin write failed: {}", e.toString());
        }
    }

    private void closeStdin() {
        if (stdinClosed.compareAndSet(false, true)) {
            try {
                process.stdin().close();
            } catch (IOException e) {
                LOG.debug("closing exec stdin failed: {}", e.toString());
            }
        }
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
        LOG.debug("exec WebSocket failed: {}", cause.toString());
        clientGone.set(true);
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus closeStatus, Callback callback) {
        clientGone.set(true);
        // the client left (or we closed after the exit Status): the command must not outlive it
        closeProcess();
        callback.succeeded();
    }
}
