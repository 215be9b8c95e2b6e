package dev.rlhfloop.contracts.api;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * {@code POST /api/import/pairs} (admin): preference pairs from a file, published as they are to
 * {@code rlhf.preference-pairs}, each marked with its source. All or nothing: one bad pair refuses the
 * request (400 naming its line) and nothing is published. A body stays under the 64 KiB cap, so
 * {@code ./llm import} sends a large file as several requests.
 *
 * @param source the file's name, recorded with every pair (e.g. {@code pairs-trl.jsonl})
 */
public record PairsImport(
        @Size(max = 200, message = "is longer than {max} characters") String source,
        @NotEmpty(message = "is missing: no pairs to import") @Size(max = 1000, message = "has more than {max} pairs") List<ImportedPair> pairs) {

    /**
     * One pair. {@code prompt} is the user's prompt (or a whole prompt in the SFT template, as the
     * book's entries with an input become); {@code line} is where the entry sits in the file, named in errors.
     */
    public record ImportedPair(
            Integer line,
            @NotEmpty(message = "is missing") @Size(max = 8000, message = "is longer than {max} characters") String prompt,
            @NotEmpty(message = "is missing") @Size(max = 8000, message = "is longer than {max} characters") String chosen,
            @NotEmpty(message = "is missing") @Size(max = 8000, message = "is longer than {max} characters") String rejected) {}
}
