package dev.rlhfloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.testing.Gpt2LayoutModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The book's chapter 7 as a user holding OpenAI's weights runs it (docs/gpt2.md), on a GPT-2
 * directory made here: Hugging Face's layout with vocab.json + merges.txt and no tokenizer.json,
 * at a small shape (2 layers x 32) so that it takes seconds, not GPT-2's 124M.
 */
class Gpt2ChapterSevenTest {

    @Test
    void sftOnAnInstructionFileScoresItsTestSplitAndScoreRescoresIt(@TempDir Path dir) throws Exception {
        Path gpt2 = dir.resolve("gpt2");
        Gpt2LayoutModel.write(gpt2, GptConfig.of(320, 128, 32, 2, 2), 9);
        Path data = dir.resolve("instruction-data.json");
        InstructionData.write(data, new BuiltinData(5).trainingExamples(60));

        TrainingVerbsTest.Run generated = TrainingVerbsTest.run(List.of("generate", "--model", gpt2.toString(), "--prompt", "Hello",
                "--max-new-tokens", "4", "--temperature", "0"));
        assertEquals(0, generated.exitCode(), generated.err());

        Path sft = dir.resolve("sft");
        TrainingVerbsTest.Run tuned = TrainingVerbsTest.run(List.of("sft", "--model", gpt2.toString(), "--out", sft.toString(),
                "--data", data.toString(), "--epochs", "1", "--batch", "4", "--lr", "5e-5", "--warmup", "0", "--max-length", "128",
                "--samples", "0", "--eval-every", "0", "--sample-every", "0", "--checkpoint-every", "0"));
        assertEquals(0, tuned.exitCode(), tuned.err());
        assertTrue(tuned.err().contains("51 train / 3 validation / 6 test examples"), tuned.err());
        assertTrue(Files.isRegularFile(sft.resolve("tokenizer.json")), "the GPT-2 files become the fine-tuned model's tokenizer.json");
        Matcher exact = Pattern.compile("exact match on 6 held-out tasks: (\\d+)/6").matcher(tuned.out());
        assertTrue(exact.find(), tuned.out());
        Matcher f1 = Pattern.compile("token F1 on 6 held-out tasks: (\\d\\.\\d{3})").matcher(tuned.out());
        assertTrue(f1.find(), tuned.out());

        TrainingVerbsTest.Run rescored = TrainingVerbsTest.run(List.of("score", "--model", sft.toString(), "--data", data.toString(),
                "--split", "test", "--show", "1"));
        assertEquals(0, rescored.exitCode(), rescored.err());
        assertTrue(rescored.out().contains("exact match on 6 tasks: " + exact.group(1) + "/6"), rescored.out());
        assertTrue(rescored.out().contains("token F1 on 6 tasks: " + f1.group(1)), rescored.out());
        TrainingVerbsTest.Run noData = TrainingVerbsTest.run(List.of("score", "--model", sft.toString(), "--split", "test"));
        assertEquals(1, noData.exitCode());
        assertTrue(noData.err().contains("--split test needs --data FILE"), noData.err());
    }
}
