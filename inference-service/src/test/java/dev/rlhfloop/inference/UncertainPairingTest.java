package dev.rlhfloop.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.rlhfloop.contracts.Selection;
import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.rlhf.CandidateChoice;
import dev.rlhfloop.llm.sample.SamplingSettings;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code rlhf.inference.pairing=uncertain} on a real (tiny) model and reward model: of the k
 * candidates one version samples, the comparison shows the two whose preference the reward model
 * is least sure of.
 */
class UncertainPairingTest {

    @Test
    void showsTheTwoCandidatesTheRewardModelIsLeastSureAbout() {
        InferenceConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of("rlhf.inference.download-dir", "/tmp/x", "rlhf.inference.pairing", "uncertain",
                        "rlhf.inference.pairing-candidates", "5"), "test", 500))
                .withMapping(InferenceConfig.class).build().getConfigMapping(InferenceConfig.class);
        CandidateAnswers candidates = new CandidateAnswers();
        candidates.config = config;
        candidates.rewardModels = new RewardModels();
        candidates.rewardModels.config = config;
        candidates.start(null);
        ServedModel model = TinyModels.served("v2", 2);
        candidates.rewardModels.serve("v2", TinyModels.rewardModel(2, 22));
        RewardModels.Loaded rewardModel = candidates.active().orElseThrow();
        int[] prompt = model.tokenizer().encode(AlpacaFormat.prompt("Name an animal that lives on a farm.", ""));
        SamplingSettings settings = new SamplingSettings(0.8f, 40, 1f, 24, 1234, model.tokenizer().endOfTextId());

        CandidateAnswers.Drawn drawn = candidates.draw(rewardModel, List.of(model, model), new int[][] {prompt, prompt},
                List.of(settings, settings.withSeed(99)));

        // the five candidates again, from one pool (one version, one prompt), and the pair nearest a coin flip
        List<AnswerGenerator.Result> again = new java.util.ArrayList<>();
        for (int k = 0; k < 5; k++) {
            again.add(AnswerGenerator.generate(model, prompt, settings.withSeed(CandidateChoice.candidateSeed(1234, k)), piece -> {}));
        }
        double[] rewards = RewardModels.score(rewardModel, prompt, again.stream()
                .map(r -> r.tokenIds().stream().mapToInt(Integer::intValue).toArray()).toList());
        CandidateChoice.Pair pair = CandidateChoice.leastCertain(rewards, again.stream().map(AnswerGenerator.Result::text).toList());
        assertEquals(again.get(pair.first()).text(), drawn.answers().get(0).answer().result().text());
        assertEquals(again.get(pair.second()).text(), drawn.answers().get(1).answer().result().text());
        assertNotEquals(drawn.answers().get(0).answer().result().text(), drawn.answers().get(1).answer().result().text());
        for (int side = 0; side < 2; side++) {
            Selection selection = drawn.answers().get(side).selection();
            assertEquals(Selection.Method.UNCERTAIN, selection.method());
            assertEquals(5, selection.candidates());
            assertEquals(1234, selection.firstSeed());
            assertEquals(rewards[side == 0 ? pair.first() : pair.second()], selection.reward(), 1e-9);
        }
        // no closer pair exists among the pool
        for (int i = 0; i < 5; i++) {
            for (int j = i + 1; j < 5; j++) {
                if (!again.get(i).text().equals(again.get(j).text())) {
                    org.junit.jupiter.api.Assertions.assertTrue(Math.abs(CandidateChoice.preference(rewards[i], rewards[j]) - 0.5) >= pair.certainty());
                }
            }
        }
    }
}
