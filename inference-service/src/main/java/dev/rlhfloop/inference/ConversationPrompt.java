package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Turn;
import dev.rlhfloop.llm.data.Conversation;
import java.util.List;

/**
 * A conversation in the instruction format the models were fine-tuned on ({@link Conversation}, which
 * the trainer uses too): a first turn is exactly {@code AlpacaFormat.prompt}, so a single-turn
 * comparison sees what it always did; the answer ends where the model starts another {@code ###}
 * section (AnswerText). Earlier turns that do not fit the context with room for the answer are left
 * out, oldest first.
 */
final class ConversationPrompt {

    /**
     * The tokens a model is given.
     *
     * @param context the earlier turns kept in the context, oldest first
     * @param dropped how many of the oldest earlier turns were left out
     */
    record Fitted(int[] tokenIds, List<Turn> context, int dropped) {}

    private ConversationPrompt() {}

    static String text(List<Turn> history, String prompt) {
        return Conversation.prompt(exchanges(history), prompt);
    }

    /** The longest recent part of {@code history} that fits {@code model}'s context with {@code answerTokens} to spare. */
    static Fitted fit(ServedModel model, List<Turn> history, String prompt, int answerTokens) {
        int room = model.gpt().config().contextLength() - answerTokens;
        Conversation.Fitted fitted = Conversation.fit(model.tokenizer(), exchanges(history), prompt, room);
        if (fitted == null) {
            int alone = model.tokenizer().encode(Conversation.prompt(List.of(), prompt)).length;
            throw new ComparisonService.BadRequestException("prompt is too long: " + alone
                    + " tokens with the template, at most " + room + " fit the model's context with room for the answer");
        }
        return new Fitted(fitted.tokenIds(), List.copyOf(history.subList(fitted.dropped(), history.size())), fitted.dropped());
    }

    private static List<Conversation.Exchange> exchanges(List<Turn> history) {
        return history.stream().map(turn -> new Conversation.Exchange(turn.prompt(), turn.answer())).toList();
    }
}
