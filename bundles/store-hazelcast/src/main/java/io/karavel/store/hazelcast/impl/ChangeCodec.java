package io.karavel.store.hazelcast.impl;

import io.karavel.api.store.Change;
import io.karavel.api.store.KeyValue;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of a batch of changes in the log. Unlike the store's journal records it keeps a
 * deleted key's last value (watchers on followers receive the deleted object) and has no
 * checksum (Hazelcast's transport has its own); previous values are not shipped: a follower
 * fills them in from its own replica.
 */
final class ChangeCodec {
    private ChangeCodec() {}

    static byte[] encode(List<Change> changes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(changes.size());
            for (Change change : changes) {
                out.writeByte(change.type().ordinal());
                out.writeLong(change.revision());
                out.writeLong(change.createRevision());
                out.writeUTF(change.key());
                out.writeInt(change.value().length);
                out.write(change.value());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<Change> decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(encoded))) {
            int count = in.readInt();
            List<Change> changes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                Change.Type type = Change.Type.values()[in.readByte()];
                long revision = in.readLong();
                long createRevision = in.readLong();
                String key = in.readUTF();
                byte[] value = new byte[in.readInt()];
                in.readFully(value);
                changes.add(new Change(revision, type, key, value, createRevision, null));
            }
            return changes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A snapshot's entries, for a master that installs the leader's state. */
    static byte[] encodeKeyValues(List<KeyValue> items) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(items.size());
            for (KeyValue kv : items) {
                out.writeUTF(kv.key());
                out.writeLong(kv.createRevision());
                out.writeLong(kv.modRevision());
                out.writeInt(kv.value().length);
                out.write(kv.value());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<KeyValue> decodeKeyValues(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(encoded))) {
            int count = in.readInt();
            List<KeyValue> items = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String key = in.readUTF();
                long createRevision = in.readLong();
                long modRevision = in.readLong();
                byte[] value = new byte[in.readInt()];
                in.readFully(value);
                items.add(new KeyValue(key, value, createRevision, modRevision));
            }
            return items;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
