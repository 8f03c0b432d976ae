package io.karavel.shell.impl;

import java.util.ArrayList;
import java.util.List;

/**
 * A table printed as kubectl prints one: upper-case headers, left-aligned columns separated by
 * three spaces (Go's tabwriter with kubectl's padding), no trailing blanks, empty cells shown as
 * {@code <none>} by the callers. Columns are fixed per kind, so scripts can rely on them.
 */
final class KubeTable {

    private static final String GAP = "   ";

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    KubeTable(List<String> headers) {
        this.headers = List.copyOf(headers);
    }

    void add(List<String> row) {
        if (row.size() != headers.size()) {
            throw new IllegalArgumentException("row of " + row.size() + " cells for " + headers.size() + " columns");
        }
        rows.add(List.copyOf(row));
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The printed lines, header first. */
    List<String> lines() {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        List<String> lines = new ArrayList<>(rows.size() + 1);
        lines.add(line(headers, widths));
        for (List<String> row : rows) {
            lines.add(line(row, widths));
        }
        return lines;
    }

    private static String line(List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            line.append(cell);
            if (i < cells.size() - 1) {
                line.append(" ".repeat(widths[i] - cell.length())).append(GAP);
            }
        }
        return line.toString().stripTrailing();
    }

    @Override
    public String toString() {
        return String.join("\n", lines()) + "\n";
    }
}
