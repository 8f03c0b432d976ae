package io.karavel.apiserver.impl.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.store.Change;
import io.karavel.apiserver.impl.auth.UserInfo;
import io.karavel.apiserver.impl.registry.BuiltinResources;
import io.karavel.apiserver.impl.registry.ResourceRegistry;
import io.karavel.apiserver.impl.rest.RestRequest;
import io.karavel.apiserver.impl.rest.WatchPlan;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * The watch writer against a client that does not read: Jetty's write callback stays pending,
 * changes pile up, and past {@link WatchStream#MAX_QUEUED} the watch ends instead of growing
 * without bound. Jetty's Request/Response are replaced by proxies recording the writes.
 */
class WatchStreamTest {

    /** One {@code Response.write} call. */
    record Write(boolean last, String text, Callback callback) {}

    @Test
    void aWatchThatFallsTooFarBehindIsEnded() throws Exception {
        Deque<Write> writes = new ArrayDeque<>();
        Request request = (Request) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Request.class},
                (proxy, method, args) -> null);
        HttpFields.Mutable headers = HttpFields.build();
        Response response = (Response) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Response.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getHeaders":
                            return headers;
                        case "write":
                            ByteBuffer b = (ByteBuffer) args[1];
                            byte[] bytes = new byte[b.remaining()];
                            b.get(bytes);
                            writes.add(new Write((Boolean) args[0], new String(bytes, StandardCharsets.UTF_8), (Callback) args[2]));
                            return null;
                        default:
                            return null;
                    }
                });
        Callback requestDone = Callback.NOOP;

        ResourceRegistry registry = new ResourceRegistry();
        BuiltinResources.registerAll(registry);
        var type = registry.find("", "v1", "configmaps").orElseThrow();
        RestRequest req = new RestRequest(RequestInfoParser.parse("GET", "/api/v1/namespaces/ns/configmaps", "true"), type,
                Map.of("watch", "true"), new byte[0], null, UserInfo.ADMIN);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (MapDbStore store = MapDbStore.openInMemory()) {
            WatchStream stream = new WatchStream(WatchPlan.of(req), request, response, requestDone, Runnable::run);
            stream.start(store, scheduler, java.time.Duration.ofSeconds(60));
            // the first write (headers) is pending: the client is not reading
            assertThat(writes).hasSize(1);
            Write pending = writes.poll();
            assertThat(pending.last()).isFalse();

            byte[] value = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\"ns\"}}"
                    .getBytes(StandardCharsets.UTF_8);
            int sent = WatchStream.MAX_QUEUED + 100;
            for (int i = 1; i <= sent; i++) {
                stream.onChange(new Change(i, Change.Type.CREATED, "/core/configmaps/ns/c", value, i, null));
            }
            assertThat(writes).as("nothing more is written while the first write is pending").isEmpty();

            // the client wakes up: the queued events drain, then the stream ends
            int events = 0;
            Write last = null;
            while (pending != null) {
                pending.callback().succeeded();
                Write w = writes.poll();
                if (w == null) {
                    break;
                }
                events += (int) w.text().chars().filter(c -> c == '\n').count();
                if (w.last()) {
                    last = w;
                    break;
                }
                pending = w;
            }
            assertThat(last).as("the stream was ended").isNotNull();
            assertThat(last.callback()).isSameAs(requestDone);
            assertThat(events).isLessThanOrEqualTo(WatchStream.MAX_QUEUED).isLessThan(sent);
        } finally {
            scheduler.shutdownNow();
        }
    }
}
