package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.data.AnswerChecker;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.sample.Generation;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.train.TrainingListener.Phase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Greedy answers to Alpaca prompts, and their exact-match accuracy against reference answers. */
public final class ExactMatch {

    /** Enough new tokens for every built-in answer (the longest are reversed or sorted lists). */
    public static final int DEFAULT_MAX_NEW_TOKENS = 40;

    /** Scored answers: the score and each answer in the order of the examples. */
    public record Report(AnswerChecker.Score score, List<String> answers) {}

    private ExactMatch() {}

    /** The model's greedy answer to {@code prompt}: the text up to end-of-text or the next {@code ###} section. */
    public static String answer(Generator generator, Tokenizer tokenizer, String prompt, int maxNewTokens) {
        return AnswerChecker.responseOf(continuation(generator, tokenizer, prompt, maxNewTokens));
    }

    /** The greedy continuation of {@code prompt}, up to end-of-text (not included) or {@code maxNewTokens}. */
    public static String continuation(Generator generator, Tokenizer tokenizer, String prompt, int maxNewTokens) {
        int stop = tokenizer.endOfTextId();
        Generation generation = generator.generate(tokenizer.encode(prompt), SamplingSettings.greedy(maxNewTokens).withStopToken(stop));
        int[] generated = generation.newTokens();
        if (generated.length > 0 && generated[generated.length - 1] == stop) {
            generated = Arrays.copyOf(generated, generated.length - 1);
        }
        return tokenizer.decode(generated);
    }

    /** Answers every example's Alpaca prompt greedily and scores the answers; progress goes to the listener as {@link Phase#SCORE} work. */
    public static Report score(Gpt model, Tokenizer tokenizer, List<InstructionExample> examples, int maxNewTokens,
                               TrainingListener listener) {
        Generator generator = new Generator(model);
        List<String> answers = new ArrayList<>(examples.size());
        for (InstructionExample example : examples) {
            answers.add(answer(generator, tokenizer, example.prompt(), maxNewTokens));
            listener.working(Phase.SCORE, answers.size(), examples.size());
        }
        return new Report(AnswerChecker.score(examples, answers), answers);
    }
}
