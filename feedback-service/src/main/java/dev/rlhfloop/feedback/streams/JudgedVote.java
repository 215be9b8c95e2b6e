package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.VoteEvent;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;

/** A counted vote together with the two answers it judged. */
public record JudgedVote(CastVote cast, GenerationEvent a, GenerationEvent b) {

    /** The preference pair the vote yields; none for a tie or when both answers are bad. */
    public Optional<PreferencePair> pair() {
        VoteEvent vote = cast.vote();
        if (!vote.choice().prefersOne()) return Optional.empty();
        GenerationEvent chosen = vote.choice() == Choice.A ? a : b;
        GenerationEvent rejected = vote.choice() == Choice.A ? b : a;
        var ref = new PreferencePair.VoteRef(vote.voteId(), vote.rater(), cast.partition(), cast.offset(), vote.createdAt());
        // a follow-up's pair carries each side's earlier turns, as its model had them in its context
        PreferencePair.History history = chosen.history().isEmpty() && rejected.history().isEmpty() ? null
                : new PreferencePair.History(chosen.history(), rejected.history());
        return Optional.of(PreferencePair.of(vote.comparisonId(), a.prompt(), chosen.answer(), rejected.answer(), ref, history));
    }

    /** Each answer's side of the vote, keyed by the version that wrote it. */
    public List<KeyValue<String, Participation>> participations() {
        Choice choice = cast.vote().choice();
        String versionA = a.answer().modelVersion();
        String versionB = b.answer().modelVersion();
        return List.of(
                KeyValue.pair(versionA, new Participation(versionB, Outcome.of(choice, Slot.A), true)),
                KeyValue.pair(versionB, new Participation(versionA, Outcome.of(choice, Slot.B), !versionA.equals(versionB))));
    }
}
