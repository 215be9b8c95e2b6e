package dev.rlhfloop.feedback.streams;

import java.util.Set;
import java.util.TreeSet;

/**
 * Every vote counted since the topics began (a rater's repeat on a comparison is not counted).
 *
 * @param decisiveVotes A or B votes: each is one preference pair
 * @param raters everyone who has voted; kept as names so that a rater counts once
 */
public record VoteTotals(long votes, long decisiveVotes, Set<String> raters) {
    public static final VoteTotals NONE = new VoteTotals(0, 0, Set.of());

    public VoteTotals {
        raters = raters == null ? Set.of() : Set.copyOf(raters);
    }

    public VoteTotals plus(CastVote cast) {
        Set<String> more = raters;
        String rater = cast.vote().rater();
        if (!raters.contains(rater)) {
            more = new TreeSet<>(raters);
            more.add(rater);
        }
        return new VoteTotals(votes + 1, decisiveVotes + (cast.vote().choice().prefersOne() ? 1 : 0), more);
    }
}
