package io.karavel.store.mapdb.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.store.Change;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChangeJournalTest {

    @TempDir
    Path dir;

    private static Change created(long revision, int valueBytes) {
        return new Change(revision, Change.Type.CREATED, "/k/" + revision, new byte[valueBytes], revision, null);
    }

    private List<Long> replayedRevisions(long afterRevision, long segmentBytes) {
        List<Long> revisions = new ArrayList<>();
        ChangeJournal journal = ChangeJournal.open(dir, segmentBytes, afterRevision, c -> revisions.add(c.revision()));
        journal.close();
        return revisions;
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".journal")).sorted().toList();
        }
    }

    @Test
    void replaysAppendedBatchesAndIgnoresATornTail() throws IOException {
        ChangeJournal journal = ChangeJournal.open(dir, 1 << 20, 0, c -> {});
        journal.append(List.of(created(1, 10), created(2, 10)));
        journal.append(List.of(created(3, 10)));
        journal.close();

        // A record cut short by a crash: a header that promises more bytes than a valid record.
        long end = ChangeJournal.encode(List.of(created(1, 10), created(2, 10))).remaining()
                + ChangeJournal.encode(List.of(created(3, 10))).remaining();
        byte[] value = new byte[500];
        java.util.Arrays.fill(value, (byte) 7);
        ByteBuffer torn = ChangeJournal.encode(
                List.of(new Change(4, Change.Type.CREATED, "/k/4", value, 4, null)));
        torn.limit(torn.limit() - 100);
        try (FileChannel channel = FileChannel.open(segmentFiles().get(0), StandardOpenOption.WRITE)) {
            channel.write(torn, end);
        }

        assertThat(replayedRevisions(0, 1 << 20)).containsExactly(1L, 2L, 3L);

        // The next append overwrites the torn bytes; everything reads back.
        journal = ChangeJournal.open(dir, 1 << 20, 0, c -> {});
        assertThat(journal.lastRevision()).isEqualTo(3);
        journal.append(List.of(created(4, 10)));
        journal.close();
        assertThat(replayedRevisions(0, 1 << 20)).containsExactly(1L, 2L, 3L, 4L);
        assertThat(replayedRevisions(2, 1 << 20)).containsExactly(3L, 4L);
    }

    @Test
    void rollsOverSegmentsAndReleasesCheckpointedOnes() throws IOException {
        long segmentBytes = 8192;
        ChangeJournal journal = ChangeJournal.open(dir, segmentBytes, 0, c -> {});
        for (long revision = 1; revision <= 30; revision++) {
            journal.append(List.of(created(revision, 1000)));
        }
        journal.append(List.of(created(31, 20_000))); // larger than a segment: a segment of its own
        journal.append(List.of(created(32, 10)));
        assertThat(segmentFiles().size()).isGreaterThan(4);

        journal.releaseUpTo(20);
        journal.close();
        List<Path> left = segmentFiles();
        assertThat(left.get(0).getFileName().toString()).isLessThanOrEqualTo(String.format("%020d.journal", 21));
        assertThat(replayedRevisions(20, segmentBytes))
                .containsExactlyElementsOf(Stream.iterate(21L, r -> r + 1).limit(12).toList());
    }
}
