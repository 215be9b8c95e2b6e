package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Turn;
import dev.rlhfloop.llm.data.AlpacaFormat;
import java.util.List;

/**
 * A conversation in the instruction format the models were fine-tuned on (Alpaca's, AlpacaFormat):
 * the preamble once, then each turn as an {@code ### Instruction:} section and its {@code ### Response:},
 * the new prompt last with an open response. A first turn is exactly {@link AlpacaFormat#prompt}, so a
 * single-turn comparison sees what it always did; the answer ends where the model starts another
 * {@code ###} section (AnswerText). Earlier turns that do not fit the context with room for the answer
 * are left out, oldest first.
 */
final class ConversationPrompt {
    private static final String INSTRUCTION_HEADER = "\n\n### Instruction:\n";

    /**
     * The tokens a model is given.
     *
     * @param context the earlier turns kept in the context, oldest first
     * @param dropped how many of the oldest earlier turns were left out
     */
    record Fitted(int[] tokenIds, List<Turn> context, int dropped) {}

    private ConversationPrompt() {}

    static String text(List<Turn> history, String prompt) {
        StringBuilder text = new StringBuilder(AlpacaFormat.PREAMBLE);
        for (Turn turn : history) {
            text.append(INSTRUCTION_HEADER).append(turn.prompt()).append(AlpacaFormat.RESPONSE_HEADER).append(turn.answer());
        }
        return text.append(INSTRUCTION_HEADER).append(prompt).append(AlpacaFormat.RESPONSE_HEADER).toString();
    }

    /** The longest recent part of {@code history} that fits {@code model}'s context with {@code answerTokens} to spare. */
    static Fitted fit(ServedModel model, List<Turn> history, String prompt, int answerTokens) {
        int room = model.gpt().config().contextLength() - answerTokens;
        for (int dropped = 0; dropped <= history.size(); dropped++) {
            List<Turn> context = history.subList(dropped, history.size());
            int[] ids = model.tokenizer().encode(text(context, prompt));
            if (ids.length <= room) return new Fitted(ids, List.copyOf(context), dropped);
            if (context.isEmpty()) {
                throw new ComparisonService.BadRequestException("prompt is too long: " + ids.length
                        + " tokens with the template, at most " + room + " fit the model's context with room for the answer");
            }
        }
        throw new AssertionError("unreachable: the empty context either fits or throws");
    }
}
