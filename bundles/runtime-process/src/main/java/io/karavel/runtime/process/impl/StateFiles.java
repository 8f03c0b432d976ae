package io.karavel.runtime.process.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Reading and writing the small state files under the runtime's root directory: properties files
 * replaced atomically (write a temporary file, then rename), so a crash at any moment leaves
 * either the old or the new version, and helpers for lists and maps inside them.
 */
final class StateFiles {

    private StateFiles() {
    }

    static Properties read(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return properties;
    }

    static void write(Path file, Properties properties) {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                properties.store(out, null);
            }
            moveAtomically(temporary, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    static void writeString(Path file, String content) {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            moveAtomically(temporary, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void putList(Properties properties, String prefix, List<String> values) {
        properties.setProperty(prefix + ".count", Integer.toString(values.size()));
        for (int i = 0; i < values.size(); i++) {
            properties.setProperty(prefix + "." + i, values.get(i));
        }
    }

    static List<String> getList(Properties properties, String prefix) {
        int count = Integer.parseInt(properties.getProperty(prefix + ".count", "0"));
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            values.add(properties.getProperty(prefix + "." + i));
        }
        return values;
    }

    /** An ordered map as {@code prefix.N.key} / {@code prefix.N.value} pairs. */
    static void putMap(Properties properties, String prefix, Map<String, String> values) {
        properties.setProperty(prefix + ".count", Integer.toString(values.size()));
        int i = 0;
        for (Map.Entry<String, String> entry : values.entrySet()) {
            properties.setProperty(prefix + "." + i + ".key", entry.getKey());
            properties.setProperty(prefix + "." + i + ".value", entry.getValue());
            i++;
        }
    }

    static Map<String, String> getMap(Properties properties, String prefix) {
        int count = Integer.parseInt(properties.getProperty(prefix + ".count", "0"));
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            values.put(properties.getProperty(prefix + "." + i + ".key"), properties.getProperty(prefix + "." + i + ".value"));
        }
        return values;
    }

    static void putOptional(Properties properties, String key, Object value) {
        if (value != null) {
            properties.setProperty(key, value.toString());
        }
    }

    static Instant getInstant(Properties properties, String key) {
        String value = properties.getProperty(key);
        return value == null ? null : Instant.parse(value);
    }
}
