package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.InstructionExample;

import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ppo, grpo and kto, run in-process on a model of a few thousand parameters with its own small tokenizer and a reward model beside it. */
class PolicyUpdateVerbsTest {

    @TempDir
    static Path dir;

    static Path model;
    static Path rewardModel;
    static Path prompts;
    static Path ratings;

    private static ModelVerbsTest.Run run(String... args) {
        return ModelVerbsTest.run(args);
    }

    @BeforeAll
    static void saveModels() throws Exception {
        // The template in the corpus, so the tokenizer encodes a prompt's fixed text in a few tokens.
        String corpus = (AlpacaFormat.template() + " the cat sat on the mat. the dog ran to the park.\n").repeat(20);
        BpeTokenizer tokenizer = BpeTrainer.train(corpus, 320);
        Gpt gpt = Gpt.create(GptConfig.of(tokenizer.vocabSize(), 64, 16, 2, 1), 3);
        model = dir.resolve("model");
        GptCheckpoint.save(gpt, model);
        TokenizerFiles.writeHuggingFace(tokenizer, model.resolve("tokenizer.json"));
        rewardModel = dir.resolve("reward-model");
        RewardModel.fromPolicy(gpt, 4).save(rewardModel);
        prompts = dir.resolve("preferences.jsonl");
        Files.writeString(prompts, """
                {"prompt": "Name a pet.", "chosen": "A cat.", "rejected": "A rock."}
                {"instruction": "Where did the dog run?", "input": "", "chosen": "To the park.", "rejected": "Nowhere."}
                {"prompt": "What sat on the mat?", "chosen": "The cat.", "rejected": "The dog."}
                """);
        ratings = dir.resolve("ratings.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            lines.append(String.format("{\"prompt\": \"Name a pet, %d.\", \"completion\": \"%s\", \"label\": %b}%n", i,
                    i % 2 == 0 ? "the cat" : "the rock", i % 2 == 0));
        }
        Files.writeString(ratings, lines.toString());
    }

    private static void assertTable(ModelVerbsTest.Run r, String firstColumn, int rows, String... columns) {
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        String header = lines.get(0);
        assertTrue(header.startsWith(firstColumn), r.out());
        for (String column : columns) {
            assertTrue(header.contains(column), column + " in " + header);
        }
        assertEquals(rows, lines.stream().filter(line -> line.matches("\\d+ .*")).count(), "one row each: " + r.out());
    }

    private static void assertSavedAndChanged(Path out) throws Exception {
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        Gpt before = GptCheckpoint.load(model);
        Gpt after = GptCheckpoint.load(out);
        assertFalse(java.util.Arrays.equals(before.parameters().get(0).data(), after.parameters().get(0).data()), "the policy moved");
    }

    @Test
    void ppoTrainsAgainstTheRewardModelAndPrintsEveryStep() throws Exception {
        Path out = dir.resolve("ppo");
        ModelVerbsTest.Run r = run("ppo", "--model", model.toString(), "--reward-model", rewardModel.toString(), "--prompts", prompts.toString(),
                "--out", out.toString(), "--steps", "3", "--prompts-per-step", "2", "--max-new-tokens", "6", "--lr", "1e-3", "--held-out", "1");
        assertTable(r, "step", 3, "reward", "kl", "policyLoss", "valueLoss", "clipped", "sftLoss");
        assertTrue(r.err().contains("3 prompts (1 held out)") && r.err().contains("step 3/3"), r.err());
        assertTrue(r.out().contains("held-out prompts: 1, mean reward of one seeded sample each: "), r.out());
        assertSavedAndChanged(out);
    }

    @Test
    void grpoTrainsOnGroupsAndPrintsEveryStep() throws Exception {
        Path out = dir.resolve("grpo");
        ModelVerbsTest.Run r = run("grpo", "--model", model.toString(), "--reward-model", rewardModel.toString(), "--prompts", prompts.toString(),
                "--out", out.toString(), "--steps", "2", "--samples", "3", "--max-new-tokens", "6", "--lr", "1e-3", "--sft-mix", "0");
        assertTable(r, "step", 2, "reward", "groupStd", "kl", "loss");
        assertFalse(r.out().lines().findFirst().orElseThrow().contains("sftLoss"), "no mix, no column: " + r.out());
        assertSavedAndChanged(out);
    }

    @Test
    void ktoTrainsOnThumbsAndPrintsEachEpoch() throws Exception {
        Path out = dir.resolve("kto");
        Path instructions = dir.resolve("kto-instructions.json");
        List<InstructionExample> examples = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) examples.add(new InstructionExample("Name a thing.", "", i % 2 == 0 ? "the cat" : "the rock", "custom"));
        InstructionData.write(instructions, examples);
        ModelVerbsTest.Run r = run("kto", "--model", model.toString(), "--data", ratings.toString(), "--out", out.toString(), "--epochs", "2",
                "--batch", "4", "--lr", "1e-3", "--held-out-every", "4", "--sft-data", instructions.toString());
        assertTable(r, "epoch", 3, "trainLoss", "trainLiked", "heldOutLoss", "heldOutAccuracy");
        assertTrue(r.out().contains("SFT mix: mean SFT loss of its steps "), "the loop's mix, on the file's examples: " + r.out());
        assertTrue(r.err().contains("12 ratings (6 thumbs up, 6 down): 9 to train on, 3 held out"), r.err());
        assertSavedAndChanged(out);
    }

    @Test
    void badInputIsOneLineNamingIt() throws Exception {
        ModelVerbsTest.Run noRewardModel = run("grpo", "--model", model.toString(), "--reward-model", model.toString(), "--prompts", prompts.toString(),
                "--out", dir.resolve("x").toString());
        assertEquals(1, noRewardModel.exitCode());
        assertTrue(noRewardModel.err().startsWith("error: ") && noRewardModel.err().contains("score.safetensors"), noRewardModel.err());
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"prompt\": \"p\", \"completion\": \"c\", \"label\": true}\n{\"prompt\": \"p\", \"completion\": \"c\", \"label\": \"yes\"}\n");
        ModelVerbsTest.Run badLabel = run("kto", "--model", model.toString(), "--data", bad.toString(), "--out", dir.resolve("y").toString());
        assertEquals(1, badLabel.exitCode());
        assertTrue(badLabel.err().contains("entry 2 (line 2)") && badLabel.err().contains("label"), badLabel.err());
        assertFalse(Files.exists(dir.resolve("y")));
    }

    @Test
    void aListOfPromptStringsIsAPromptFile() throws Exception {
        Path list = dir.resolve("prompts.json");
        Files.writeString(list, "[\"Name a pet.\", \"Name a pet.\", \"What ran?\"]");
        assertArrayEquals(new String[] {AlpacaFormat.prompt("Name a pet.", ""), AlpacaFormat.prompt("What ran?", "")},
                dev.rlhfloop.llm.data.FeedbackData.readPrompts(list).toArray());
    }
}
