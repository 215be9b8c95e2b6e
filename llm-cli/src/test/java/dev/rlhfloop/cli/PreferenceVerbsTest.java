package dev.rlhfloop.cli;

import dev.rlhfloop.cli.TrainingVerbsTest.Run;
import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.PeftAdapter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.rlhfloop.cli.TrainingVerbsTest.TINY;
import static dev.rlhfloop.cli.TrainingVerbsTest.args;
import static dev.rlhfloop.cli.TrainingVerbsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** reward-model, dpo and rloo for real on a tiny pretrained model and a small preference file in both formats. */
class PreferenceVerbsTest {

    @TempDir
    static Path dir;

    static Path base;
    static Path book;
    static Path trl;

    @BeforeAll
    static void pretrainABaseAndWritePreferences() throws Exception {
        base = dir.resolve("base");
        Run r = run(args(List.of("pretrain", "--out", base.toString()), args(TINY, "--steps", "10").toArray(String[]::new)));
        assertEquals(0, r.exitCode(), r.err());
        String[] animals = {"fox", "cat", "dog", "owl", "hen", "cow"};
        StringBuilder json = new StringBuilder("[");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            String animal = animals[i % animals.length];
            if (i > 0) json.append(',');
            json.append("{\"instruction\": \"Tell me about a ").append(animal).append(".\", \"input\": \"\", \"chosen\": \"The ")
                    .append(animal).append(" is kind.\", \"rejected\": \"No.\"}");
            lines.append("{\"prompt\": \"Name a ").append(animal).append(".\", \"chosen\": \"A ").append(animal)
                    .append(".\", \"rejected\": \"I will not.\"}\n");
        }
        book = Files.writeString(dir.resolve("prefs.json"), json.append(']').toString());
        trl = Files.writeString(dir.resolve("prefs.jsonl"), lines.toString());
    }

    private static Run verb(String verb, Path data, Path out, String... more) {
        List<String> all = new ArrayList<>(List.of(verb, "--model", base.toString(), "--data", data.toString(), "--out", out.toString(),
                "--batch-size", "4"));
        all.addAll(List.of(more));
        return run(all);
    }

    @Test
    void rewardModelTrainsAndPrintsItsHeldOutAccuracy() {
        Path out = dir.resolve("rm");
        Run r = verb("reward-model", book, out, "--epochs", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("data: " + book + ", 20 pairs: 16 train / 4 held out"), r.err());
        assertTrue(r.err().contains("reward-model [") && r.err().contains("step 8/8"), r.err());
        assertTrue(r.out().contains("| held-out reward accuracy | ") && r.out().contains("| held-out reward margin | "), r.out());
        assertTrue(Files.isRegularFile(out.resolve("score.safetensors")) && Files.isRegularFile(out.resolve("tokenizer.json")));

        Path policy = dir.resolve("rloo-with-rm");
        Run rloo = verb("rloo", trl, policy, "--reward-model", out.toString(), "--steps", "2", "--max-new-tokens", "4");
        assertEquals(0, rloo.exitCode(), rloo.err());
        assertTrue(rloo.out().contains("| mean reward of samples, last step | ") && rloo.out().contains("| KL to the reference (last step) | "),
                rloo.out());
        assertFalse(rloo.out().contains("reward accuracy"), "the given reward model is not trained again: " + rloo.out());
    }

    @Test
    void dpoTrainsTheWholeModelOrAnAdapterAndPrintsTheTable() throws Exception {
        Path full = dir.resolve("dpo");
        Run r = verb("dpo", book, full, "--epochs", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("dpo [") && r.err().contains("step 4/4"), r.err());
        for (String row : List.of("held-out reward accuracy", "held-out reward margin", "KL to the reference (held out)", "held-out loss, before",
                "| held-out loss |")) {
            assertTrue(r.out().contains(row), row + " in " + r.out());
        }
        assertFalse(PeftAdapter.exists(full));

        Path instructions = dir.resolve("instructions.json");
        List<InstructionExample> examples = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) examples.add(new InstructionExample("Name an animal.", "", i % 2 == 0 ? "A fox." : "A hen.", "custom"));
        InstructionData.write(instructions, examples);
        Run mixed = verb("dpo", book, dir.resolve("dpo-mixed"), "--epochs", "1", "--sft-mix", "1e-4", "--sft-data", instructions.toString());
        assertEquals(0, mixed.exitCode(), mixed.err());
        assertTrue(mixed.out().contains("| SFT mix: mean SFT loss of its steps | "), mixed.out());
        assertTrue(r.out().contains("| SFT mix: mean SFT loss of its steps | "), "the mix is on by default, on the built-in examples: " + r.out());
        Run unmixed = verb("dpo", book, dir.resolve("dpo-unmixed"), "--epochs", "1", "--sft-mix", "0");
        assertEquals(0, unmixed.exitCode(), unmixed.err());
        assertFalse(unmixed.out().contains("SFT mix"), "no mix, no row: " + unmixed.out());
        Run noData = verb("dpo", book, dir.resolve("bad"), "--sft-mix", "1e-4", "--sft-data", dir.resolve("none.json").toString());
        assertEquals(1, noData.exitCode());
        assertTrue(noData.err().contains("none.json"), noData.err());

        Path adapter = dir.resolve("dpo-lora");
        Run lora = verb("dpo", trl, adapter, "--lora-rank", "2", "--learning-rate", "1e-2");
        assertEquals(0, lora.exitCode(), lora.err());
        assertTrue(PeftAdapter.exists(adapter), "the adapter in PEFT's layout beside the base");
        Gpt adapted = GptCheckpoint.load(adapter);
        Gpt original = GptCheckpoint.load(base);
        assertTrue(adapted.lora() != null);
        int[] tokens = {1, 2, 3};
        assertFalse(Arrays.equals(adapted.forward(tokens, 1, 3).clone(), original.forward(tokens, 1, 3).clone()), "the adapter changed the model");
        Run generate = run(List.of("generate", "--model", adapter.toString(), "--prompt", "Name a fox.", "--max-new-tokens", "3"));
        assertEquals(0, generate.exitCode(), generate.err());
    }

    @Test
    void rlooTrainsARewardModelFirstWhenNoneIsGivenAndBadInputIsOneLine() {
        Run r = verb("rloo", book, dir.resolve("rloo"), "--steps", "2", "--samples", "2", "--max-new-tokens", "4");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("reward-model [") && r.err().contains("rloo ["), r.err());
        assertTrue(r.out().contains("| held-out reward accuracy (reward model) | ") && r.out().contains("| loss (last step) | "), r.out());

        Run bad = verb("rloo", book, dir.resolve("bad"), "--samples", "1");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().startsWith("error: rloo: need steps >= 1, samples >= 2"), bad.err());
        Run missing = verb("dpo", dir.resolve("none.json"), dir.resolve("bad"));
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }
}
