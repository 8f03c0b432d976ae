package io.karavel.apiserver.impl;

import java.nio.file.Path;

/**
 * For manual poking (not a test): an API server over an in-memory store, e.g.
 * {@code java -cp target/classes:target/test-classes:<test classpath> io.karavel.apiserver.impl.DevServerMain 16443 /tmp/kubeconfig}
 * then {@code kubectl --kubeconfig /tmp/kubeconfig get ns}.
 */
final class DevServerMain {
    public static void main(String[] args) throws Exception {
        io.karavel.store.mapdb.impl.MapDbStore store = io.karavel.store.mapdb.impl.MapDbStore.openInMemory();
        ApiServer server = new ApiServer(store, new ApiServerSettings("127.0.0.1", Integer.parseInt(args[0]), Path.of(args[1])));
        server.start();
        System.out.println("ready " + server.url());
        Thread.currentThread().join();
    }
}
