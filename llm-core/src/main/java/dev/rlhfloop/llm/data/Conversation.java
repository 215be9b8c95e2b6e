package dev.rlhfloop.llm.data;

import dev.rlhfloop.llm.tokenizer.Tokenizer;

import java.util.List;

/**
 * A conversation in the instruction format the models were fine-tuned on ({@link AlpacaFormat}):
 * the preamble once, then each earlier exchange as an {@code ### Instruction:} section and its
 * {@code ### Response:}, the new prompt last with an open response. A first turn is exactly
 * {@link AlpacaFormat#prompt}. The inference service asks a model with it, and the trainer learns
 * from a follow-up's pair with the same text; both leave out the oldest exchanges that do not fit.
 */
public final class Conversation {
    private static final String INSTRUCTION_HEADER = "\n\n### Instruction:\n";

    /** One earlier exchange: the prompt, and the answer this side gave. */
    public record Exchange(String prompt, String answer) {}

    /**
     * The prompt's tokens with the most recent exchanges that fit.
     *
     * @param dropped how many of the oldest exchanges were left out
     */
    public record Fitted(int[] tokenIds, int dropped) {}

    private Conversation() {}

    /** The text a model is given: {@code history} (oldest first), then {@code prompt} with an open response. */
    public static String prompt(List<Exchange> history, String prompt) {
        StringBuilder text = new StringBuilder(AlpacaFormat.PREAMBLE);
        for (Exchange exchange : history) {
            text.append(INSTRUCTION_HEADER).append(exchange.prompt()).append(AlpacaFormat.RESPONSE_HEADER).append(exchange.answer());
        }
        return text.append(INSTRUCTION_HEADER).append(prompt).append(AlpacaFormat.RESPONSE_HEADER).toString();
    }

    /**
     * The longest recent part of {@code history} whose prompt encodes in at most {@code room} tokens,
     * oldest exchanges left out first; null when even the prompt alone does not fit.
     */
    public static Fitted fit(Tokenizer tokenizer, List<Exchange> history, String prompt, int room) {
        for (int dropped = 0; dropped <= history.size(); dropped++) {
            int[] ids = tokenizer.encode(prompt(history.subList(dropped, history.size()), prompt));
            if (ids.length <= room) return new Fitted(ids, dropped);
        }
        return null;
    }
}
