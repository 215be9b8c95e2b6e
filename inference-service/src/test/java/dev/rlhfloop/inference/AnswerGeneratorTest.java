package dev.rlhfloop.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.sample.SequenceLogProbs;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnswerGeneratorTest {

    @TempDir
    Path dir;

    @Test
    void logProbMatchesTheEngineScoreAndPiecesSpellTheText() throws Exception {
        var version = TinyModels.packed(dir, "v1", 11, "live");
        ServedModel model = ServedModel.load("v1", dir.resolve("v1"));
        int[] prompt = model.tokenizer().encode(AlpacaFormat.prompt("Name an animal that lives on a farm.", ""));
        for (long seed = 1; seed <= 5; seed++) {
            SamplingSettings settings = new SamplingSettings(0.8f, 40, 1f, 40, seed, model.tokenizer().endOfTextId());
            StringBuilder pieces = new StringBuilder();
            AnswerGenerator.Result result = AnswerGenerator.generate(model, prompt, settings, pieces::append);
            assertEquals(result.text(), pieces.toString());
            assertTrue(result.tokenIds().size() >= 1 && result.tokenIds().size() <= 40);
            int[] answer = result.tokenIds().stream().mapToInt(Integer::intValue).toArray();
            float[] score = SequenceLogProbs.score(model.gpt(), List.of(prompt), List.of(answer), model.tokenizer().endOfTextId());
            assertEquals(score[0], result.logProb(), 1e-3 * Math.max(1, Math.abs(score[0])), "seed " + seed);
            // the same seed gives the same answer
            assertEquals(result, AnswerGenerator.generate(model, prompt, settings, piece -> { }));
        }
        assertTrue(version.weights().url().startsWith("file:"));
    }

    @Test
    void theWeightsSettingPacksTheServedModelInThatFormat() throws Exception {
        TinyModels.packed(dir, "v1", 11, "live");
        assertEquals(java.util.Optional.of(dev.rlhfloop.llm.tensor.WeightFormat.FP32),
                ServedModel.load("v1", dir.resolve("v1")).gpt().inferenceFormat(), "fp32 by default");
        ServedModel bf16 = ServedModel.load("v1", dir.resolve("v1"), dev.rlhfloop.llm.tensor.WeightFormat.BF16);
        assertEquals(java.util.Optional.of(dev.rlhfloop.llm.tensor.WeightFormat.BF16), bf16.gpt().inferenceFormat());
        int[] prompt = bf16.tokenizer().encode(AlpacaFormat.prompt("Name an animal that lives on a farm.", ""));
        AnswerGenerator.Result result = AnswerGenerator.generate(bf16, prompt, SamplingSettings.greedy(8), piece -> { });
        int[] answer = result.tokenIds().stream().mapToInt(Integer::intValue).toArray();
        float[] score = SequenceLogProbs.score(bf16.gpt(), List.of(prompt), List.of(answer), bf16.tokenizer().endOfTextId());
        assertEquals(score[0], result.logProb(), 0.02 * Math.max(1, Math.abs(score[0])), "bf16 answers score close to the fp32 weights");
    }
}
