package io.karavel.apiserver.impl;

import java.nio.file.Path;

/** Manual run: starts a server on port 16443 and blocks (not a test). */
final class SmokeMain {
    public static void main(String[] args) throws Exception {
        io.karavel.store.mapdb.impl.MapDbStore store = io.karavel.store.mapdb.impl.MapDbStore.openInMemory();
        ApiServer server = new ApiServer(store, new ApiServerSettings("127.0.0.1", Integer.parseInt(args[0]), Path.of(args[1])));
        server.start();
        System.out.println("ready " + server.url());
        Thread.currentThread().join();
    }
}
