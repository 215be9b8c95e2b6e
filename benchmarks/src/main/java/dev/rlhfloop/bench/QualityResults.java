package dev.rlhfloop.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The bookkeeping of {@link LoopQuality}: its rows as Markdown table lines in a results file that
 * runs append to (so a sweep resumes across sessions: a run whose rows are present is skipped), the
 * "gap closed" figure, and the per-rule verdict of issue #15's Done-when.
 */
final class QualityResults {

    /** The table's header: one row per run and vote checkpoint (0 votes = the SFT model). */
    static final String HEADER = """
            | date | commit | machine | load | config | rule | seed | votes | pairs | versions | answers | share | gap closed | win vs SFT | exact match | non-words | KL to SFT | words | s/update | peak heap MB |
            | --- | --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |""";

    /** The checkpoints the Done-when names: ≥ {@link #HALF} of the gap closed by 150 votes, ≥ {@link #THREE_QUARTERS} by 300. */
    static final int HALF_BY = 150;
    static final int THREE_QUARTERS_BY = 300;
    static final double HALF = 0.5;
    static final double THREE_QUARTERS = 0.75;

    /**
     * One measured point of a run. Shares, win rate, exact match and non-words are fractions;
     * {@code winRate}, {@code secondsPerUpdate} and {@code peakHeapMb} are NaN where nothing was
     * measured (the SFT row).
     */
    record Row(String date, String commit, String machine, double load, String config, String rule, long seed, int votes, int pairs,
               int versions, int answers, double share, double gapClosed, double winRate, double exactMatch, double nonWords,
               double kl, double words, double secondsPerUpdate, double peakHeapMb) {

        Row {
            for (String text : List.of(date, commit, machine, config, rule)) {
                if (text.contains("|") || text.contains("\n")) throw new IllegalArgumentException("a cell cannot hold '|' or a line break: " + text);
            }
        }

        /** The run this row belongs to: its configuration, rule and seed. */
        RunKey run() {
            return new RunKey(config, rule, seed);
        }

        String line() {
            return String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %s | %s | %d | %d | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
                    date, commit, machine, load, config, rule, seed, votes, pairs, versions, answers, percent(share), percent(gapClosed),
                    percent(winRate), percent(exactMatch), percent(nonWords, 2), number(kl, 3), number(words, 1),
                    number(secondsPerUpdate, 1), number(peakHeapMb, 0));
        }

        /** The row a {@link #line()} wrote; empty for any other line (the header, text). */
        static java.util.Optional<Row> parse(String line) {
            String trimmed = line.strip();
            if (!trimmed.startsWith("|") || !trimmed.endsWith("|")) return java.util.Optional.empty();
            String[] cells = trimmed.substring(1, trimmed.length() - 1).split("\\|", -1);
            if (cells.length != 20) return java.util.Optional.empty();
            for (int i = 0; i < cells.length; i++) cells[i] = cells[i].strip();
            if (cells[0].equals("date") || cells[0].startsWith("---")) return java.util.Optional.empty();
            try {
                return java.util.Optional.of(new Row(cells[0], cells[1], cells[2], Double.parseDouble(cells[3]), cells[4], cells[5],
                        Long.parseLong(cells[6]), Integer.parseInt(cells[7]), Integer.parseInt(cells[8]), Integer.parseInt(cells[9]),
                        Integer.parseInt(cells[10]), fraction(cells[11]), fraction(cells[12]), fraction(cells[13]), fraction(cells[14]),
                        fraction(cells[15]), value(cells[16]), value(cells[17]), value(cells[18]), value(cells[19])));
            } catch (NumberFormatException e) {
                return java.util.Optional.empty();
            }
        }
    }

    /** A run of the harness: a configuration's label, a rule, a seed. */
    record RunKey(String config, String rule, long seed) {}

    private QualityResults() {}

    /** (share after − SFT share) / (1 − SFT share): the part of the way to 100% the loop went; NaN when the SFT model already satisfies every answer. */
    static double gapClosed(double sftShare, double shareAfter) {
        return sftShare >= 1 ? Double.NaN : (shareAfter - sftShare) / (1 - sftShare);
    }

    /** The rows of a results file (none when it does not exist). */
    static List<Row> read(Path file) throws IOException {
        if (!Files.exists(file)) return List.of();
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) Row.parse(line).ifPresent(rows::add);
        return rows;
    }

    /** True when the file holds the run's last checkpoint: a run's rows are appended together once it ends. */
    static boolean done(List<Row> rows, RunKey run, int lastCheckpoint) {
        return rows.stream().anyMatch(r -> r.run().equals(run) && r.votes() == lastCheckpoint);
    }

    /** Appends a finished run's rows, writing the header first into a new or empty file. */
    static void append(Path file, List<Row> rows) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        StringBuilder text = new StringBuilder();
        if (!Files.exists(file) || Files.size(file) == 0) text.append(HEADER).append('\n');
        for (Row row : rows) text.append(row.line()).append('\n');
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * One line per configuration and rule over every seed in {@code rows}: in how many seeds the
     * state after 150 votes closed ≥ 50% of the gap and the state after 300 votes ≥ 75%, whether
     * that held in at least 2 of 3 seeds (the Done-when), and the alignment tax at the last
     * checkpoint (worst seed): exact match against the SFT model's, non-words as a multiple of the SFT model's.
     */
    static List<String> summary(List<Row> rows) {
        Map<String, List<Row>> byConfigAndRule = new LinkedHashMap<>();
        for (Row row : rows) byConfigAndRule.computeIfAbsent(row.config() + " · " + row.rule(), k -> new ArrayList<>()).add(row);
        List<String> lines = new ArrayList<>();
        for (var entry : byConfigAndRule.entrySet()) {
            Map<Long, List<Row>> bySeed = new LinkedHashMap<>();
            for (Row row : entry.getValue()) bySeed.computeIfAbsent(row.seed(), k -> new ArrayList<>()).add(row);
            int seeds = bySeed.size(), half = 0, threeQuarters = 0;
            double worstExactChange = Double.POSITIVE_INFINITY, worstNonWordRatio = Double.NEGATIVE_INFINITY;
            for (List<Row> run : bySeed.values()) {
                if (gapAfter(run, HALF_BY) >= HALF) half++;
                if (gapAfter(run, THREE_QUARTERS_BY) >= THREE_QUARTERS) threeQuarters++;
                Row sft = at(run, 0);
                Row last = run.stream().max(java.util.Comparator.comparingInt(Row::votes)).orElseThrow();
                if (sft != null && last.votes() > 0) {
                    worstExactChange = Math.min(worstExactChange, last.exactMatch() - sft.exactMatch());
                    worstNonWordRatio = Math.max(worstNonWordRatio, last.nonWords() / sft.nonWords());
                }
            }
            boolean met = seeds >= 3 && half >= 2 && threeQuarters >= 2;
            lines.add(String.format(Locale.ROOT,
                    "%s: ≥50%% of the gap by %d votes in %d/%d seeds, ≥75%% by %d in %d/%d → %s; tax at the last checkpoint (worst seed): exact match %s points, non-words %s× the SFT model's",
                    entry.getKey(), HALF_BY, half, seeds, THREE_QUARTERS_BY, threeQuarters, seeds,
                    met ? "met" : seeds < 3 ? "not yet known (" + seeds + " of 3 seeds run)" : "not met",
                    Double.isFinite(worstExactChange) ? String.format(Locale.ROOT, "%+.1f", 100 * worstExactChange) : "—",
                    Double.isFinite(worstNonWordRatio) ? String.format(Locale.ROOT, "%.2f", worstNonWordRatio) : "—"));
        }
        return lines;
    }

    /** The gap closed after exactly {@code votes} votes (NaN when the run has no such checkpoint). */
    private static double gapAfter(List<Row> run, int votes) {
        Row row = at(run, votes);
        return row == null ? Double.NaN : row.gapClosed();
    }

    private static Row at(List<Row> run, int votes) {
        return run.stream().filter(r -> r.votes() == votes).findFirst().orElse(null);
    }

    private static String percent(double fraction) {
        return percent(fraction, 1);
    }

    private static String percent(double fraction, int decimals) {
        return Double.isNaN(fraction) ? "—" : String.format(Locale.ROOT, "%." + decimals + "f%%", 100 * fraction);
    }

    private static String number(double value, int decimals) {
        return Double.isNaN(value) ? "—" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static double fraction(String cell) {
        return cell.equals("—") ? Double.NaN : Double.parseDouble(cell.substring(0, cell.length() - 1)) / 100;
    }

    private static double value(String cell) {
        return cell.equals("—") ? Double.NaN : Double.parseDouble(Objects.requireNonNull(cell));
    }
}
