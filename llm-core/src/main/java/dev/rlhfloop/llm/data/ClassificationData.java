package dev.rlhfloop.llm.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * Classification data files and the book's chapter-6 preparation. A file is either TSV with
 * {@code label<TAB>text} per line and no header (the UCI SMS Spam Collection), or CSV whose header
 * names a {@code label} and a {@code text} column (any case, any other columns ignored; fields may
 * be quoted as RFC 4180 says). A file whose first line has a tab is read as TSV.
 */
public final class ClassificationData {

    /** Train, validation and test parts. */
    public record Splits(List<LabeledText> train, List<LabeledText> validation, List<LabeledText> test) {}

    private ClassificationData() {}

    /** Every example of a TSV or CSV file; a malformed line fails with the file and line number. */
    public static List<LabeledText> read(Path file) throws IOException {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file", e);
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text", e);
        }
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1);
        }
        int firstLineEnd = content.indexOf('\n');
        String firstLine = firstLineEnd < 0 ? content : content.substring(0, firstLineEnd);
        List<LabeledText> examples = firstLine.indexOf('\t') >= 0 ? readTsv(file, content) : readCsv(file, content);
        if (examples.isEmpty()) {
            throw new IllegalArgumentException(file + ": no examples");
        }
        return examples;
    }

    private static List<LabeledText> readTsv(Path file, String content) {
        List<LabeledText> examples = new ArrayList<>();
        String[] lines = content.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab <= 0) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected label<TAB>text, got "
                        + (tab == 0 ? "an empty label" : "no tab"));
            }
            examples.add(new LabeledText(line.substring(0, tab).trim(), line.substring(tab + 1)));
        }
        return examples;
    }

    private static List<LabeledText> readCsv(Path file, String content) {
        CsvReader reader = new CsvReader(file, content);
        List<String> header = reader.next();
        if (header == null) {
            throw new IllegalArgumentException(file + ": empty file");
        }
        int labelColumn = column(header, "label");
        int textColumn = column(header, "text");
        if (labelColumn < 0 || textColumn < 0) {
            throw new IllegalArgumentException(file + ":1: the CSV header must name a 'label' and a 'text' column (got "
                    + String.join(",", header) + "); TSV files have label<TAB>text lines and no header");
        }
        List<LabeledText> examples = new ArrayList<>();
        for (List<String> record = reader.next(); record != null; record = reader.next()) {
            if (record.size() == 1 && record.get(0).isBlank()) {
                continue;
            }
            if (record.size() <= Math.max(labelColumn, textColumn)) {
                throw new IllegalArgumentException(file + ":" + reader.recordLine() + ": " + record.size()
                        + " fields, the header has " + header.size());
            }
            String label = record.get(labelColumn).trim();
            if (label.isEmpty()) {
                throw new IllegalArgumentException(file + ":" + reader.recordLine() + ": empty label");
            }
            examples.add(new LabeledText(label, record.get(textColumn)));
        }
        return examples;
    }

    private static int column(List<String> header, String name) {
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).trim().toLowerCase(Locale.ROOT).equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Writes {@code label<TAB>text} lines, the format {@link #read} reads back (tabs and newlines in a text become spaces). */
    public static void writeTsv(Path file, List<LabeledText> examples) throws IOException {
        StringBuilder out = new StringBuilder();
        for (LabeledText example : examples) {
            out.append(example.label()).append('\t').append(example.text().replaceAll("[\t\r\n]", " ")).append('\n');
        }
        Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
    }

    /** The distinct labels, sorted: the class order of a classifier trained on them. */
    public static List<String> labels(List<LabeledText> examples) {
        TreeSet<String> labels = new TreeSet<>();
        for (LabeledText example : examples) {
            labels.add(example.label());
        }
        return List.copyOf(labels);
    }

    /** Examples per label, in label order. */
    public static Map<String, Integer> counts(List<LabeledText> examples) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String label : labels(examples)) {
            counts.put(label, 0);
        }
        for (LabeledText example : examples) {
            counts.merge(example.label(), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * The book's balancing: every class undersampled at random to the size of the smallest,
     * keeping the file order of what is kept.
     */
    public static List<LabeledText> balance(List<LabeledText> examples, long seed) {
        Map<String, List<Integer>> byLabel = new LinkedHashMap<>();
        for (int i = 0; i < examples.size(); i++) {
            byLabel.computeIfAbsent(examples.get(i).label(), k -> new ArrayList<>()).add(i);
        }
        int smallest = byLabel.values().stream().mapToInt(List::size).min().orElse(0);
        Random random = new Random(seed);
        boolean[] keep = new boolean[examples.size()];
        for (String label : labels(examples)) {
            List<Integer> indices = new ArrayList<>(byLabel.get(label));
            Collections.shuffle(indices, random);
            for (int index : indices.subList(0, smallest)) {
                keep[index] = true;
            }
        }
        List<LabeledText> kept = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            if (keep[i]) {
                kept.add(examples.get(i));
            }
        }
        return kept;
    }

    /** The book's split after a seeded shuffle: 70% train, 10% validation, the remaining 20% test. */
    public static Splits split(List<LabeledText> examples, long seed) {
        List<LabeledText> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, new Random(seed));
        int train = (int) (shuffled.size() * 0.7);
        int validation = (int) (shuffled.size() * 0.1);
        return new Splits(List.copyOf(shuffled.subList(0, train)), List.copyOf(shuffled.subList(train, train + validation)),
                List.copyOf(shuffled.subList(train + validation, shuffled.size())));
    }

    /** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. */
    private static final class CsvReader {
        private final Path file;
        private final String text;
        private int at;
        private int line = 1;
        private int recordLine;

        CsvReader(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        /** The line on which the last record returned by {@link #next} started. */
        int recordLine() {
            return recordLine;
        }

        List<String> next() {
            if (at >= text.length()) {
                return null;
            }
            recordLine = line;
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            boolean wasQuoted = false;
            while (at < text.length()) {
                char ch = text.charAt(at++);
                if (quoted) {
                    if (ch == '"') {
                        if (at < text.length() && text.charAt(at) == '"') {
                            field.append('"');
                            at++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        if (ch == '\n') {
                            line++;
                        }
                        field.append(ch);
                    }
                } else if (ch == '"' && field.length() == 0 && !wasQuoted) {
                    quoted = true;
                    wasQuoted = true;
                } else if (ch == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                    wasQuoted = false;
                } else if (ch == '\n') {
                    line++;
                    break;
                } else if (ch != '\r') {
                    field.append(ch);
                }
            }
            if (quoted) {
                throw new IllegalArgumentException(file + ":" + recordLine + ": a quoted field is not closed");
            }
            fields.add(field.toString());
            return fields;
        }
    }
}
