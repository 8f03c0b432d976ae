package io.karavel.apiserver.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The admin kubeconfig: cluster {@code karavel} at the server's URL, user {@code admin} with no
 * credentials (plain http on loopback for now; tokens and https will keep this layout).
 */
public final class Kubeconfig {
    private Kubeconfig() {}

    public static String render(String serverUrl) {
        return "apiVersion: v1\n"
                + "kind: Config\n"
                + "clusters:\n"
                + "- name: karavel\n"
                + "  cluster:\n"
                + "    server: " + serverUrl + "\n"
                + "users:\n"
                + "- name: admin\n"
                + "  user: {}\n"
                + "contexts:\n"
                + "- name: karavel\n"
                + "  context:\n"
                + "    cluster: karavel\n"
                + "    user: admin\n"
                + "    namespace: default\n"
                + "current-context: karavel\n"
                + "preferences: {}\n";
    }

    /** Writes atomically (temp file + rename) so a reader never sees half a file. */
    public static void write(Path path, String serverUrl) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".kubeconfig", ".tmp");
        try {
            Files.writeString(tmp, render(serverUrl), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
