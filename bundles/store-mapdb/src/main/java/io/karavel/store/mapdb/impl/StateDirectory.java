package io.karavel.store.mapdb.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where in the store directory the live durable state (two checkpoint files and {@code journal/})
 * lives, and how a whole replacement state is switched in atomically (the way LevelDB switches
 * manifests with its {@code CURRENT} file).
 *
 * <p>Layout: without a {@code CURRENT} file the state lies directly in the store directory (every
 * store that never installed a snapshot, so older directories open unchanged). A snapshot install
 * prepares the complete new state in {@code state-<n>.tmp/}, forces it, renames it to
 * {@code state-<n>/}, writes {@code CURRENT.tmp} naming it, forces that and renames it to
 * {@code CURRENT}: that rename is the one commit point. Opening follows {@code CURRENT} and deletes
 * whatever else a crash left behind: a prepared state that was never committed, or the state that
 * a committed one replaced. So a crash at any moment leaves exactly the old or exactly the new
 * state loadable.
 *
 * <p>Only names the store itself creates are ever deleted.
 */
final class StateDirectory {
    static final String CURRENT = "CURRENT";
    private static final String CURRENT_TMP = "CURRENT.tmp";
    private static final String PREPARING = ".tmp";
    private static final Pattern STATE_NAME = Pattern.compile("state-(\\d+)(\\.tmp)?");
    /** The files of a state kept directly in the store directory (MapDB adds {@code .wal.N} files). */
    private static final List<String> TOP_LEVEL_STATE = List.of("checkpoint-a.db", "checkpoint-b.db", "journal");

    private StateDirectory() {}

    /**
     * The directory holding the committed state of the store in {@code root}, after deleting the
     * leftovers of an interrupted or superseded snapshot install.
     *
     * @throws IllegalStateException {@code CURRENT} names a state that does not exist
     */
    static Path live(Path root) throws IOException {
        Path live = root;
        Path current = root.resolve(CURRENT);
        if (Files.exists(current)) {
            String name = Files.readString(current, StandardCharsets.UTF_8).trim();
            if (!STATE_NAME.matcher(name).matches() || name.endsWith(PREPARING)
                    || !Files.isDirectory(root.resolve(name))) {
                throw new IllegalStateException("the store's " + current + " names '" + name
                        + "', which is not a state directory in " + root);
            }
            live = root.resolve(name);
        }
        deleteAllBut(root, live);
        return live;
    }

    /** A new empty directory, not yet visible to {@link #live}, to write the next state into. */
    static Path prepare(Path root) throws IOException {
        long highest = 0;
        for (Path entry : list(root)) {
            Matcher m = STATE_NAME.matcher(entry.getFileName().toString());
            if (m.matches()) {
                highest = Math.max(highest, Long.parseLong(m.group(1)));
            }
        }
        Path prepared = root.resolve("state-" + (highest + 1) + PREPARING);
        Files.createDirectory(prepared);
        return prepared;
    }

    /**
     * Gives a forced, complete prepared state its final name and writes (but does not yet commit)
     * the {@code CURRENT} file naming it. Throws if anything fails; nothing is committed then.
     *
     * @return the state's final directory
     */
    static Path stage(Path root, Path prepared) throws IOException {
        forceDirectory(prepared);
        String name = prepared.getFileName().toString();
        Path staged = root.resolve(name.substring(0, name.length() - PREPARING.length()));
        Files.move(prepared, staged, StandardCopyOption.ATOMIC_MOVE);
        Path pointer = root.resolve(CURRENT_TMP);
        try (FileChannel channel = FileChannel.open(pointer, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap((staged.getFileName() + "\n").getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
        forceDirectory(root);
        return staged;
    }

    /**
     * The commit point: renames {@code CURRENT.tmp} over {@code CURRENT}. A rename either happens
     * or fails, so when this throws nothing was committed.
     */
    static void commit(Path root) throws IOException {
        Files.move(root.resolve(CURRENT_TMP), root.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Makes the rename of {@link #commit} durable. When this throws, whether it is, is unknown. */
    static void forceCommit(Path root) throws IOException {
        forceDirectory(root);
    }

    /**
     * Deletes every state in {@code root} other than {@code live}: other {@code state-*}
     * directories, a stray {@code CURRENT.tmp}, and the top-level files when {@code live} is not
     * {@code root} itself.
     */
    static void deleteAllBut(Path root, Path live) throws IOException {
        for (Path entry : list(root)) {
            String name = entry.getFileName().toString();
            boolean state = STATE_NAME.matcher(name).matches();
            boolean topLevelState = TOP_LEVEL_STATE.stream().anyMatch(f -> name.equals(f) || name.startsWith(f + ".wal."));
            if (entry.equals(live) || !(state || name.equals(CURRENT_TMP) || (topLevelState && !live.equals(root)))) {
                continue;
            }
            deleteRecursively(entry);
        }
        forceDirectory(root);
    }

    /**
     * Best effort after a failed install: deletes the state it prepared or staged (null: none)
     * and its {@code CURRENT.tmp}; what is left is deleted by the next {@link #live}.
     */
    static void discard(Path root, Path attempt, Exception failure) {
        try {
            if (attempt != null) {
                deleteRecursively(attempt);
            }
            Files.deleteIfExists(root.resolve(CURRENT_TMP));
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Forces a file's content to disk. */
    static void forceFile(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /** Forces a directory's entries (creations, renames, deletions) to disk. */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return new ArrayList<>(entries.toList());
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(path)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        } catch (NoSuchFileException e) {
            return;
        }
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }
}
