package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.Choice;

/**
 * What one vote says about the raters: a gold vote (right or not), or the second of two votes on a
 * comparison shown to two raters. Exactly one of the two is set.
 */
public record QualityNote(Gold gold, Agreement agreement) {
    public record Gold(String rater, boolean correct) {}

    public record Agreement(String firstRater, Choice first, String secondRater, Choice second) {}

    static QualityNote gold(String rater, boolean correct) {
        return new QualityNote(new Gold(rater, correct), null);
    }

    static QualityNote agreement(JudgedVote first, JudgedVote second) {
        return new QualityNote(null, new Agreement(first.cast().vote().rater(), first.cast().vote().choice(),
                second.cast().vote().rater(), second.cast().vote().choice()));
    }
}
