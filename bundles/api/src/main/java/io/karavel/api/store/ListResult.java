package io.karavel.api.store;

import java.util.List;

/**
 * A consistent snapshot of a key range.
 *
 * @param items the entries, in key order
 * @param revision the store revision the snapshot was taken at
 * @param more true when {@code limit} cut the result short; continue after the last item's key
 */
public record ListResult(List<KeyValue> items, long revision, boolean more) {
    public ListResult {
        items = List.copyOf(items);
    }
}
