package io.karavel.apiserver.impl.stream;

import java.nio.ByteBuffer;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins two WebSockets frame by frame: the client's ({@code kubectl exec}) and the node agent's.
 * Data frames pass unchanged both ways (the remote-command channel bytes included, so the bridge
 * works for any channel protocol version both ends agreed on); each side's control frames stay
 * on that side; when one side closes, the other is closed with the same code.
 *
 * <p>Flow control: a frame is acknowledged to its sender's session (and the next one demanded)
 * only once the other side has written it. The node agent's side demands nothing until the
 * client's side is open, so its first frames wait in the socket meanwhile.
 */
final class ExecBridge {
    private static final Logger LOG = LoggerFactory.getLogger(ExecBridge.class);

    private volatile CoreSession client;
    private volatile CoreSession kubelet;

    /** The handler for the WebSocket to the node agent. */
    final FrameHandler kubeletSide = new Side(false);
    /** The handler for the client's WebSocket. */
    final FrameHandler clientSide = new Side(true);

    /** Drops the node agent's side (which kills the command) when the client's upgrade did not happen. */
    void abandon() {
        CoreSession k = kubelet;
        if (k != null) {
            k.abort();
        }
    }

    /** A frame's payload is valid only until its callback completes: what is sent on is a copy. */
    static ByteBuffer copy(ByteBuffer payload) {
        ByteBuffer copy = ByteBuffer.allocate(payload == null ? 0 : payload.remaining());
        if (payload != null) {
            copy.put(payload.slice()).flip();
        }
        return copy;
    }

    private final class Side implements FrameHandler {
        private final boolean clientFacing;

        Side(boolean clientFacing) {
            this.clientFacing = clientFacing;
        }

        private CoreSession self() {
            return clientFacing ? client : kubelet;
        }

        private CoreSession other() {
            return clientFacing ? kubelet : client;
        }

        @Override
        public void onOpen(CoreSession session, Callback callback) {
            if (clientFacing) {
                client = session;
                callback.succeeded();
                // both ends are up: start reading from both
                session.demand();
                kubelet.demand();
            } else {
                kubelet = session;
                callback.succeeded();
            }
        }

        @Override
        public void onFrame(Frame frame, Callback callback) {
            byte opCode = frame.getOpCode();
            if (opCode == OpCode.CLOSE) {
                callback.succeeded(); // the session answers it; onClosed closes the other side
                return;
            }
            if (opCode == OpCode.PING) {
                // each side's pings are answered on that side (Jetty's core API leaves it to us;
                // kubectl pings every 5 s and gives up on a session without pongs for a minute)
                self().sendFrame(new Frame(OpCode.PONG, copy(frame.getPayload())), Callback.from(() -> {
                    callback.succeeded();
                    self().demand();
                }, callback::failed), false);
                return;
            }
            if (!frame.isDataFrame()) {
                callback.succeeded(); // pongs answer our own (absent) pings
                self().demand();
                return;
            }
            other().sendFrame(new Frame(opCode, frame.isFin(), copy(frame.getPayload())), Callback.from(() -> {
                callback.succeeded();
                self().demand();
            }, callback::failed), false);
        }

        @Override
        public void onError(Throwable cause, Callback callback) {
            LOG.debug("exec bridge: the {} side failed: {}", clientFacing ? "client" : "node agent", cause.toString());
            callback.succeeded();
        }

        @Override
        public void onClosed(CloseStatus status, Callback callback) {
            CoreSession to = other();
            if (to != null && !to.isClosed()) {
                int code = status.getCode();
                if (CloseStatus.isTransmittableStatusCode(code)) {
                    to.close(code, status.getReason(), Callback.NOOP);
                } else {
                    to.close(code == CloseStatus.NO_CODE ? CloseStatus.NORMAL : CloseStatus.SERVER_ERROR,
                            "the other end of the exec stream went away", Callback.NOOP);
                }
            }
            callback.succeeded();
        }
    }

    /**
     * The client's side when the node agent refused or could not be reached: like Kubernetes'
     * stream translator, the upgrade succeeds and the failure arrives as a {@code Status} on the
     * error channel, so kubectl prints its message (a refused upgrade would make it retry with
     * SPDY, which this server does not speak, and hide the real error).
     */
    static final class Refusal implements FrameHandler {
        private final byte[] statusMessage;
        private CoreSession session;

        /** @param status the error-channel Status JSON */
        Refusal(byte[] status) {
            this.statusMessage = new byte[status.length + 1];
            this.statusMessage[0] = 3; // the error channel
            System.arraycopy(status, 0, statusMessage, 1, status.length);
        }

        @Override
        public void onOpen(CoreSession coreSession, Callback callback) {
            session = coreSession;
            callback.succeeded();
            coreSession.sendFrame(new Frame(OpCode.BINARY, ByteBuffer.wrap(statusMessage)), Callback.from(
                    () -> coreSession.close(CloseStatus.NORMAL, null, Callback.NOOP),
                    failure -> coreSession.abort()), false);
            coreSession.demand();
        }

        @Override
        public void onFrame(Frame frame, Callback callback) {
            if (frame.getOpCode() == OpCode.PING) {
                session.sendFrame(new Frame(OpCode.PONG, copy(frame.getPayload())), Callback.NOOP, false);
            }
            callback.succeeded();
            if (frame.getOpCode() != OpCode.CLOSE) {
                session.demand();
            }
        }

        @Override
        public void onError(Throwable cause, Callback callback) {
            callback.succeeded();
        }

        @Override
        public void onClosed(CloseStatus closeStatus, Callback callback) {
            callback.succeeded();
        }
    }
}
