package dev.rlhfloop.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A table of named metrics, one row per step or epoch, printed with aligned columns (NaN shows as "-"). */
final class MetricsTable {

    private final String firstColumn;
    private final List<String> labels = new ArrayList<>();
    private final List<Map<String, Double>> rows = new ArrayList<>();

    MetricsTable(String firstColumn) {
        this.firstColumn = firstColumn;
    }

    void add(String label, Map<String, Double> metrics) {
        labels.add(label);
        rows.add(new LinkedHashMap<>(metrics));
    }

    void print(PrintWriter out) {
        List<String> columns = new ArrayList<>();
        for (Map<String, Double> row : rows) {
            for (String name : row.keySet()) {
                if (!columns.contains(name)) {
                    columns.add(name);
                }
            }
        }
        List<List<String>> cells = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of(firstColumn));
        header.addAll(columns);
        cells.add(header);
        for (int r = 0; r < rows.size(); r++) {
            List<String> line = new ArrayList<>(List.of(labels.get(r)));
            for (String column : columns) {
                Double value = rows.get(r).get(column);
                line.add(value == null || value.isNaN() ? "-" : String.format(Locale.ROOT, "%.4f", value));
            }
            cells.add(line);
        }
        int[] widths = new int[header.size()];
        for (List<String> line : cells) {
            for (int c = 0; c < line.size(); c++) {
                widths[c] = Math.max(widths[c], line.get(c).length());
            }
        }
        for (List<String> line : cells) {
            StringBuilder text = new StringBuilder();
            for (int c = 0; c < line.size(); c++) {
                String cell = line.get(c);
                text.append(c == 0 ? String.format("%-" + widths[c] + "s", cell) : String.format("  %" + widths[c] + "s", cell));
            }
            out.println(text);
        }
    }
}
