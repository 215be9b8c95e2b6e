package dev.rlhfloop.inference;

import dev.rlhfloop.llm.data.AnswerChecker;
import dev.rlhfloop.llm.data.TextCorpus;
import java.util.List;

/**
 * The answer a rater sees, built from decoded pieces as they arrive. The final text is
 * {@link AnswerChecker#responseOf} of everything generated (cut at the next {@code ###} section or
 * an end-of-text marker, trimmed); while generating, only text that is sure to stay in that final
 * answer is released: leading and trailing whitespace and anything that might be the start of an
 * end marker wait. So the released pieces, concatenated, are always a prefix of the final text.
 */
final class AnswerText {
    private static final List<String> END_MARKERS = List.of("\n###", TextCorpus.END_OF_TEXT);

    private final StringBuilder raw = new StringBuilder();
    private int released;
    private boolean ended;

    /** Adds decoded text and returns the part of the answer that became certain (often empty). */
    String append(String piece) {
        raw.append(piece);
        return release(visible());
    }

    /** True once an end marker was generated: the answer is complete. */
    boolean ended() {
        return ended;
    }

    /** Ends the answer and returns what was still held back. */
    String finish() {
        return release(text());
    }

    /** The final answer. */
    String text() {
        return AnswerChecker.responseOf(raw.toString());
    }

    private String release(String visible) {
        if (visible.length() <= released) return "";
        String piece = visible.substring(released);
        released = visible.length();
        return piece;
    }

    private String visible() {
        String text = raw.toString();
        int cut = -1;
        for (String marker : END_MARKERS) {
            int at = text.indexOf(marker);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0) {
            ended = true;
            text = text.substring(0, cut);
        } else {
            text = text.substring(0, text.length() - possibleMarkerStart(text));
        }
        return text.strip();
    }

    /** Length of the longest suffix of {@code text} that could still grow into an end marker. */
    private static int possibleMarkerStart(String text) {
        int longest = 0;
        for (String marker : END_MARKERS) {
            for (int n = Math.min(marker.length() - 1, text.length()); n > longest; n--) {
                if (text.regionMatches(text.length() - n, marker, 0, n)) {
                    longest = n;
                    break;
                }
            }
        }
        return longest;
    }
}
