package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Turn;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;

/**
 * Continues a comparison with the rater's follow-up: the same two versions answer again, each with its
 * own side of the conversation in its context. The follow-up is a new comparison, which the votes that
 * follow judge.
 */
@ApplicationScoped
public class FollowUps {

    @Inject
    ComparisonService comparisons;

    @Inject
    ComparisonThreads threads;

    @Inject
    ModelRegistry registry;

    Comparison followUp(Comparison previous, String prompt) {
        comparisons.checkPrompt(prompt);
        List<ServedModel> models = new ArrayList<>();
        for (AnswerStream answer : previous.answers()) {
            AnswerStream.Snapshot now = answer.snapshot();
            if (now.error() != null) {
                throw new ComparisonService.BadRequestException("answer " + now.slot() + " of comparison " + previous.id()
                        + " failed (" + now.error() + "): a conversation cannot go on from it, start a new comparison");
            }
            if (!now.done()) {
                throw new ComparisonService.BadRequestException("answer " + now.slot() + " of comparison " + previous.id()
                        + " is still being written: send the follow-up once both answers are done");
            }
            models.add(registry.find(answer.modelVersion()).orElseThrow(() -> new ComparisonService.BadRequestException(
                    "the version that wrote answer " + now.slot() + " is no longer served here: start a new comparison")));
        }
        List<List<Turn>> histories = threads.continued(previous);
        return comparisons.start(prompt, models, histories, previous);
    }
}
