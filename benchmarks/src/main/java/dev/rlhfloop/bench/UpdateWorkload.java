package dev.rlhfloop.bench;

import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.rlhf.PolicyUpdate;
import dev.rlhfloop.llm.rlhf.TokenizedFeedback;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One live version's batch as the trainer receives it, made from the built-in data: {@code pairs}
 * preference pairs, each a prompt of the built-in rater pool in the SFT template and two answers
 * of exactly {@code answerTokens} tokens of built-in English text (answers the inference service
 * cut at its {@code max-new-tokens}, as a GPT-2 model's usually are), and {@code thumbs} ratings of
 * single answers to the next prompts of the pool; every one cut to the context as the trainer cuts
 * them ({@link PolicyUpdate#fit}, {@link TokenizedFeedback#fit}). The content does not matter for
 * speed or memory, only the lengths do.
 */
record UpdateWorkload(List<TokenizedPreference> pairs, List<TokenizedFeedback> thumbs) {

    static UpdateWorkload of(Tokenizer tokenizer, int pairs, int thumbs, int answerTokens, int contextLength, int vocabSize) {
        if (tokenizer.vocabSize() > vocabSize) {
            throw new IllegalArgumentException("the tokenizer's " + tokenizer.vocabSize() + " tokens do not fit the model's vocabulary of "
                    + vocabSize);
        }
        BuiltinData data = new BuiltinData(BuiltinData.DEFAULT_SEED);
        List<String> prompts = data.prompts();
        int answers = 2 * pairs + thumbs;
        int[] text = textTokens(tokenizer, data, (long) answers * answerTokens);
        List<TokenizedPreference> pairList = new ArrayList<>();
        List<TokenizedFeedback> thumbList = new ArrayList<>();
        for (int i = 0; i < pairs + thumbs; i++) {
            int[] prompt = tokenizer.encode(AlpacaFormat.prompt(prompts.get(i % prompts.size()), ""));
            if (i < pairs) {
                pairList.add(PolicyUpdate.fit(prompt, window(text, 2 * i, answerTokens), window(text, 2 * i + 1, answerTokens),
                        contextLength, vocabSize));
            } else {
                // alternately up and down, as raters' thumbs come
                thumbList.add(TokenizedFeedback.fit(prompt, window(text, pairs + i, answerTokens), i % 2 == 0, contextLength,
                        vocabSize));
            }
        }
        return new UpdateWorkload(List.copyOf(pairList), List.copyOf(thumbList));
    }

    /** The {@code index}-th run of {@code length} tokens of {@code text}. */
    private static int[] window(int[] text, int index, int length) {
        return Arrays.copyOfRange(text, index * length, (index + 1) * length);
    }

    /** At least {@code count} tokens of the built-in corpus, its documents one after another. */
    private static int[] textTokens(Tokenizer tokenizer, BuiltinData data, long count) {
        for (long chars = Math.max(4_000, count * 8); ; chars *= 2) {
            List<int[]> documents = data.corpus(chars).stream().map(tokenizer::encode).toList();
            int total = documents.stream().mapToInt(d -> d.length).sum();
            if (total < count) continue;
            int[] all = new int[total];
            int at = 0;
            for (int[] d : documents) {
                System.arraycopy(d, 0, all, at, d.length);
                at += d.length;
            }
            return all;
        }
    }

    /** The prompts' lengths in tokens (pairs, then thumbs): min, mean and max. */
    String promptLengths() {
        List<int[]> prompts = new ArrayList<>(pairs.stream().map(TokenizedPreference::prompt).toList());
        thumbs.forEach(t -> prompts.add(t.prompt()));
        var stats = prompts.stream().mapToInt(p -> p.length).summaryStatistics();
        return String.format("%d–%d (mean %.0f)", stats.getMin(), stats.getMax(), stats.getAverage());
    }
}
