package dev.rlhfloop.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.rlhf.PolicyAlgorithm;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The trainer's properties over llm-core's one set of update defaults, read as Quarkus reads them (without Quarkus). */
class TrainerUpdateTest {

    /** The trainer's settings as Quarkus would read them: the mapping, the main application.properties' values, then {@code overrides}. */
    static TrainerConfig config(Map<String, String> overrides) {
        // Quarkus's converter reads "60s"; plain SmallRye wants ISO-8601 (max-wait plays no part here).
        Map<String, String> values = new HashMap<>(Map.of("rlhf.trainer.data-dir", "target/unused", "rlhf.trainer.max-wait", "PT1M"));
        values.putAll(overrides);
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(TrainerConfig.class)
                .withSources(new io.smallrye.config.PropertiesConfigSource(values, "test", 500))
                .build();
        return config.getConfigMapping(TrainerConfig.class);
    }

    @Test
    void absentPropertiesTakeTheEnginesDefaults() {
        assertEquals(UpdateSettings.defaults(), TrainerUpdate.settings(config(Map.of())));
    }

    @Test
    void propertiesOverrideTheirOwnSettingOnly() {
        UpdateSettings settings = TrainerUpdate.settings(config(Map.of(
                "rlhf.trainer.algorithm", " RLOO",
                "rlhf.trainer.dpo.learning-rate", "3e-4",
                "rlhf.trainer.dpo.batch-size", "4",
                "rlhf.trainer.rloo.steps", "7",
                "rlhf.trainer.reward.hold-out-every", "0",
                "rlhf.trainer.lora-rank", "8")));
        UpdateSettings d = UpdateSettings.defaults();
        assertEquals(d.with(s -> {
            s.algorithm = PolicyAlgorithm.RLOO;
            s.batchSize = 4;
            s.loraRank = 8;
            s.dpo.learningRate = 3e-4f;
            s.rloo.steps = 7;
            s.reward.holdOutEvery = 0;
        }), settings);
        assertEquals(Algorithm.RLOO, TrainerUpdate.recorded(settings.algorithm()));
        assertEquals(Optional.of(PolicyAlgorithm.DPO), TrainerUpdate.policyAlgorithm(Algorithm.DPO));
        assertEquals(Optional.empty(), TrainerUpdate.policyAlgorithm(Algorithm.SFT));
    }

    @Test
    void ppoGrpoAndKtoPropertiesMapOntoTheirSettings() {
        UpdateSettings settings = TrainerUpdate.settings(config(Map.of(
                "rlhf.trainer.algorithm", "ppo",
                "rlhf.trainer.ppo.steps", "3",
                "rlhf.trainer.ppo.value-learning-rate", "2e-5",
                "rlhf.trainer.grpo.samples", "6",
                "rlhf.trainer.kto.undesirable-weight", "1.3")));
        assertEquals(UpdateSettings.defaults().with(s -> {
            s.algorithm = PolicyAlgorithm.PPO;
            s.ppo.steps = 3;
            s.ppo.valueLearningRate = 2e-5f;
            s.grpo.samples = 6;
            s.kto.desirableWeight = 1.0;
            s.kto.undesirableWeight = 1.3;
        }), settings);
        for (String name : List.of("grpo", "KTO", "Ppo")) {
            PolicyAlgorithm algorithm = TrainerUpdate.settings(config(Map.of("rlhf.trainer.algorithm", name))).algorithm();
            assertEquals(name.toUpperCase(java.util.Locale.ROOT), TrainerUpdate.recorded(algorithm).name());
        }
    }

    @Test
    void onlinePairPropertiesMapOntoTheirSettingsAndAPromptsFileLeavesNoFreshPool() {
        UpdateSettings settings = TrainerUpdate.settings(config(Map.of("rlhf.trainer.online.samples", "6", "rlhf.trainer.online.prompts", "3",
                "rlhf.trainer.online.weight", "0.5")));
        assertEquals(UpdateSettings.defaults().with(s -> {
            s.online.samples = 6;
            s.online.prompts = 3;
            s.online.weight = 0.5;
        }), settings);
        TrainerConfig withFile = config(Map.of("rlhf.trainer.prompts-file", "/some/prompts.txt"));
        assertEquals(List.of(), TrainerUpdate.onlinePool(withFile, settings, null), "the user's pool: only the batch's prompts are asked");
    }

    @Test
    void theSftMixDrawsFromTheDataTheLinesSftModelWasTunedOn() throws Exception {
        UpdateSettings mixing = TrainerUpdate.settings(config(Map.of("rlhf.trainer.sft-mix.learning-rate", "5e-5",
                "rlhf.trainer.sft-mix.examples", "4")));
        assertEquals(UpdateSettings.defaults().with(s -> {
            s.sftMix.learningRate = 5e-5f;
            s.sftMix.examples = 4;
        }), mixing);
        Tokenizer tokenizer = BpeTrainer.train("What color is the fox? The fox is red. ### Response: I do not know.", 300);

        List<InstructionLoader.Encoded> builtin = TrainerUpdate.sftInstructions(config(Map.of()), mixing, tokenizer);
        List<InstructionExample> closed = new BuiltinData(BuiltinData.DEFAULT_SEED).mixExamples();
        assertEquals(closed.size(), builtin.size(), "a bootstrapped line: the built-in training examples but the open ones");
        assertTrue(closed.size() > BuiltinData.DEFAULT_TRAIN_EXAMPLES / 2 && closed.size() < BuiltinData.DEFAULT_TRAIN_EXAMPLES, "" + closed.size());
        assertTrue(closed.stream().noneMatch(e -> e.task().equals(BuiltinData.OPEN_TASK)), "no open prompt: they are the raters' kind");

        Path data = Files.createTempFile("sft", ".json");
        List<InstructionExample> twenty = new ArrayList<>();
        for (int i = 0; i < 20; i++) twenty.add(new InstructionExample("Name a number.", "", "The number " + i + ".", "custom"));
        InstructionData.write(data, twenty);
        TrainerConfig ownData = config(Map.of("rlhf.trainer.base-model", "/some/gpt2", "rlhf.trainer.sft-data", data.toString()));
        assertEquals(InstructionData.split(twenty).train().size(), TrainerUpdate.sftInstructions(ownData, mixing, tokenizer).size(),
                "a base model fine-tuned on the user's data: that data's training split");
        assertEquals(List.of(), TrainerUpdate.sftInstructions(config(Map.of("rlhf.trainer.base-model", "/some/gpt2")), mixing, tokenizer),
                "a base model taken as it is: nothing to mix");
        assertEquals(List.of(), TrainerUpdate.sftInstructions(config(Map.of()), UpdateSettings.defaults().with(s -> s.sftMix.learningRate = 0),
                tokenizer), "no mix: nothing read");
        TrainerConfig builtinOverBase = config(Map.of("rlhf.trainer.base-model", "/some/gpt2", "rlhf.trainer.sft-mix.data", "builtin"));
        assertEquals(closed.size(), TrainerUpdate.sftInstructions(builtinOverBase, mixing, tokenizer).size(),
                "a base model the project's bootstrap made: the built-in examples, when asked");
        TrainerConfig fileOverBuiltin = config(Map.of("rlhf.trainer.sft-mix.data", data.toString()));
        assertEquals(InstructionData.split(twenty).train().size(), TrainerUpdate.sftInstructions(fileOverBuiltin, mixing, tokenizer).size(),
                "a file named: its training split, over the built-in line's default");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> TrainerUpdate.sftInstructions(
                config(Map.of("rlhf.trainer.sft-mix.data", "/no/such/mix.json")), mixing, tokenizer));
        assertTrue(missing.getMessage().contains("rlhf.trainer.sft-mix.data: /no/such/mix.json is no file"), missing.getMessage());
        Files.delete(data);
    }

    @Test
    void badSettingsAreRefusedNamingTheProperty() {
        for (String bad : List.of("rlhf.trainer.rloo.samples=1", "rlhf.trainer.rloo.steps=0", "rlhf.trainer.rloo.beta=-1",
                "rlhf.trainer.dpo.learning-rate=0", "rlhf.trainer.algorithm=sft", "rlhf.trainer.lora-rank=-2", "rlhf.trainer.grpo.samples=1",
                "rlhf.trainer.ppo.gamma=2", "rlhf.trainer.kto.beta=0", "rlhf.trainer.online.samples=1", "rlhf.trainer.sft-mix.learning-rate=-1",
                "rlhf.trainer.sft-mix.examples=0")) {
            String[] kv = bad.split("=");
            TrainerConfig config = config(Map.of(kv[0], kv[1]));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainerUpdate.settings(config), bad);
            assertTrue(e.getMessage().startsWith("rlhf.trainer."), e.getMessage());
        }
    }
}
