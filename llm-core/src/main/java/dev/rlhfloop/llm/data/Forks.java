package dev.rlhfloop.llm.data;

/**
 * Rows that each hold two sequences sharing their first tokens, as a preference pair's two answers
 * share their prompt. Row {@code b}'s first sequence is positions {@code [0, second[b])}; the
 * second sequence is its first {@code shared[b]} tokens (those of the first sequence) followed by
 * positions {@code [second[b], end[b])}; positions from {@code end[b]} on are padding. A token of
 * the second sequence attends to the shared tokens and to the second sequence's own tokens up to
 * itself, never to the first sequence's rest, and takes the position it has in its own sequence:
 * the model computes the shared tokens once and gives each sequence what it would give it alone.
 */
public record Forks(int[] shared, int[] second, int[] end) {

    public Forks {
        if (shared.length != second.length || shared.length != end.length) {
            throw new IllegalArgumentException("forks need one shared length, second start and end per row");
        }
        for (int b = 0; b < shared.length; b++) {
            if (shared[b] < 0 || shared[b] > second[b] || second[b] > end[b]) {
                throw new IllegalArgumentException("row " + b + ": need 0 <= shared <= second <= end, got "
                        + shared[b] + ", " + second[b] + ", " + end[b]);
            }
        }
    }

    public int rows() {
        return shared.length;
    }

    /** Whether these are the forks of {@code rows} rows of {@code length} tokens: one per row, every row ending within it. */
    public boolean fit(int rows, int length) {
        if (rows != rows()) return false;
        for (int e : end) {
            if (e > length) return false;
        }
        return true;
    }

    /** Where the keys a query at {@code t} of row {@code b} may not see begin: the first sequence's rest, for a query of the second. */
    public int hiddenFrom(int b, int t) {
        return t < second[b] ? t + 1 : shared[b];
    }

    /** Where the keys a query at {@code t} of row {@code b} may see again begin (up to {@code t}). */
    public int visibleFrom(int b, int t) {
        return t < second[b] ? t + 1 : second[b];
    }

    /** The position embedding of token {@code t} of row {@code b}; padding takes 0, as nothing reads it. */
    public int position(int b, int t) {
        if (t < second[b]) return t;
        return t < end[b] ? shared[b] + t - second[b] : 0;
    }

    /** The largest position any row uses. */
    public int maxPosition() {
        int max = 0;
        for (int b = 0; b < rows(); b++) {
            max = Math.max(max, second[b] - 1);
            if (end[b] > second[b]) max = Math.max(max, shared[b] + end[b] - 1 - second[b]);
        }
        return max;
    }
}
