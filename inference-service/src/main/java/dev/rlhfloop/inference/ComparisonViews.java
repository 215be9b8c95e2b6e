package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.api.ComparisonCreated;
import dev.rlhfloop.contracts.api.ComparisonView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;

/** A comparison as the API shows it, with its place in a conversation (turn, the turn it continues, the earlier turns). */
@ApplicationScoped
public class ComparisonViews {

    @Inject
    ComparisonThreads threads;

    ComparisonCreated created(Comparison comparison) {
        ComparisonThreads.Thread thread = threads.of(comparison.id());
        List<ComparisonCreated.Answer> answers = comparison.answers().stream()
                .map(a -> new ComparisonCreated.Answer(a.slot(), a.generationId(), thread.dropped().get(a.slot())))
                .toList();
        return new ComparisonCreated(comparison.id(), comparison.prompt(), answers, thread.turn(), thread.previousId(), thread.shown());
    }

    ComparisonView view(Comparison comparison) {
        ComparisonThreads.Thread thread = threads.of(comparison.id());
        boolean reveal = comparison.voted();
        List<ComparisonView.Answer> answers = comparison.answers().stream().map(answer -> {
            AnswerStream.Snapshot snapshot = answer.snapshot();
            return new ComparisonView.Answer(snapshot.slot(), snapshot.generationId(), snapshot.text(), snapshot.done(),
                    snapshot.error(), reveal ? answer.modelVersion() : null, thread.dropped().get(answer.slot()));
        }).toList();
        return new ComparisonView(comparison.id(), comparison.prompt(), answers, thread.turn(), thread.previousId(), thread.shown());
    }
}
