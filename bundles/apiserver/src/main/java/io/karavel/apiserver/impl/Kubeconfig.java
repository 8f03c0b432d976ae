package io.karavel.apiserver.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The admin kubeconfig: cluster and context {@code karavel} at the server's URL (the current
 * context), user {@code admin} with no credentials (plain http on loopback for now; tokens and
 * https will keep this layout). With the URLs of all masters of an HA control plane, each other
 * master gets a cluster and a context of its own, {@code karavel-<n>} with n its position in that
 * list (from 1; the same name on every master), same user: {@code kubectl --context karavel-2}.
 */
public final class Kubeconfig {
    private Kubeconfig() {}

    /** The kubeconfig of a single master at {@code serverUrl}. */
    public static String render(String serverUrl) {
        return render(serverUrl, List.of());
    }

    /**
     * @param serverUrl this master's URL: cluster and context {@code karavel}
     * @param masters every master's URL, this one's included or not; empty: a single master
     */
    public static String render(String serverUrl, List<String> masters) {
        StringBuilder clusters = new StringBuilder(cluster("karavel", serverUrl));
        StringBuilder contexts = new StringBuilder(context("karavel"));
        for (int i = 0; i < masters.size(); i++) {
            if (!sameUrl(masters.get(i), serverUrl)) {
                String name = "karavel-" + (i + 1);
                clusters.append(cluster(name, masters.get(i)));
                contexts.append(context(name));
            }
        }
        return "apiVersion: v1\n"
                + "kind: Config\n"
                + "clusters:\n"
                + clusters
                + "users:\n"
                + "- name: admin\n"
                + "  user: {}\n"
                + "contexts:\n"
                + contexts
                + "current-context: karavel\n"
                + "preferences: {}\n";
    }

    private static String cluster(String name, String url) {
        return "- name: " + name + "\n"
                + "  cluster:\n"
                + "    server: " + url + "\n";
    }

    private static String context(String name) {
        return "- name: " + name + "\n"
                + "  context:\n"
                + "    cluster: " + name + "\n"
                + "    user: admin\n"
                + "    namespace: default\n";
    }

    private static boolean sameUrl(String a, String b) {
        return stripSlash(a).equalsIgnoreCase(stripSlash(b));
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Writes a single master's kubeconfig; see {@link #write(Path, String, List)}. */
    public static void write(Path path, String serverUrl) throws IOException {
        write(path, serverUrl, List.of());
    }

    /** Writes atomically (temp file + rename) so a reader never sees half a file. */
    public static void write(Path path, String serverUrl, List<String> masters) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".kubeconfig", ".tmp");
        try {
            Files.writeString(tmp, render(serverUrl, masters), StandardCharsets.UTF_8);
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
