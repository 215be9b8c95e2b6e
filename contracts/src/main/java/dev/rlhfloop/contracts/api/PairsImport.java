package dev.rlhfloop.contracts.api;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * {@code POST /api/import/pairs} (admin): preference pairs from a file, published as they are to
 * {@code rlhf.preference-pairs}, each marked with its source. All or nothing: one bad pair refuses the
 * request (400 naming its line) and nothing is published. A body stays under the 64 KiB cap, so
 * {@code ./llm import} sends a large file as several requests. The annotations document the rules for the
 * generated schema; {@link ImportedPair#problems} applies them pair by pair, so that a refusal names the line.
 *
 * @param source the file's name, recorded with every pair (e.g. {@code pairs-trl.jsonl})
 */
public record PairsImport(
        @Size(max = MAX_SOURCE) String source,
        @NotEmpty @Size(max = MAX_PAIRS) List<ImportedPair> pairs) {

    public static final int MAX_SOURCE = 200;
    public static final int MAX_PAIRS = 1000;
    public static final int MAX_TEXT = 8000;

    /**
     * One pair. {@code prompt} is the user's prompt (or a whole prompt in the SFT template, as the
     * book's entries with an input become); {@code line} is where the entry sits in the file, named in errors.
     */
    public record ImportedPair(
            Integer line,
            @NotEmpty @Size(max = MAX_TEXT) String prompt,
            @NotEmpty @Size(max = MAX_TEXT) String chosen,
            @NotEmpty @Size(max = MAX_TEXT) String rejected) {

        /** What is wrong with the pair, naming its fields ("chosen is missing"); empty when nothing is. */
        public List<String> problems() {
            List<String> problems = new java.util.ArrayList<>();
            text("prompt", prompt, problems);
            text("chosen", chosen, problems);
            text("rejected", rejected, problems);
            if (problems.isEmpty() && chosen.equals(rejected)) problems.add("chosen and rejected are the same answer");
            return problems;
        }

        private static void text(String field, String value, List<String> problems) {
            if (value == null || value.isEmpty()) problems.add(field + " is missing");
            else if (value.length() > MAX_TEXT) problems.add(field + " is longer than " + MAX_TEXT + " characters");
        }
    }
}
