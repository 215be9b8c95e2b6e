package dev.rlhfloop.llm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import dev.rlhfloop.llm.testing.Gpt2LayoutModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GPT-2-layout directory (vocab.json + merges.txt, the pretraining dropout in config.json) as the start of a line. */
class BaseModelTest {
    private static final String TEXT = "Once upon a time, the fox said hello.\n<|endoftext|>";

    @Test
    void aHuggingFaceGpt2DirectoryBecomesAServableModelWithItsOwnTokenizerThenFineTunesAndScores(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("gpt2-like");
        BpeTokenizer tokenizer = Gpt2LayoutModel.write(source, GptConfig.of(320, 64, 32, 2, 2), 5);
        assertFalse(Files.exists(source.resolve("tokenizer.json")));
        Path instructions = dir.resolve("instruction-data.json");
        InstructionData.write(instructions, new BuiltinData(3).trainingExamples(40));

        Finetuning.Settings settings = BaseModel.bookFinetuning().withMaxLength(64)
                .withRun(BaseModel.bookFinetuning().run().withEpochs(1).with(s -> s.batchSize = 4).withIntervals(0, 1, 0, 0));
        BaseModel.Result result = BaseModel.run(source, dir.resolve("work"), instructions, settings, TrainingListener.NONE);

        Path base = dir.resolve("work").resolve(BaseModel.BASE_DIR);
        BpeTokenizer served = TokenizerFiles.readHuggingFace(base.resolve("tokenizer.json"));
        assertEquals(tokenizer.merges(), served.merges());
        assertEquals(tokenizer.endOfTextId(), served.endOfTextId());
        assertArrayEquals(tokenizer.encode(TEXT, java.util.Set.of("<|endoftext|>")), served.encode(TEXT, java.util.Set.of("<|endoftext|>")));
        assertEquals(0.0, new ObjectMapper().readTree(base.resolve("config.json").toFile()).path("resid_pdrop").asDouble(), "served without dropout");
        Gpt original = GptCheckpoint.load(source);
        assertArrayEquals(original.parameters().get(0).data(), GptCheckpoint.load(base).parameters().get(0).data());

        assertEquals(dir.resolve("work").resolve(BaseModel.SFT_DIR), result.model());
        assertEquals(8, result.finetuning().steps(), "one epoch of the 34 training examples in batches of 4");
        assertEquals(4, result.testScore().score().total(), "the book's 10% test split");
        double f1 = result.testScore().score().tokenF1();
        assertTrue(f1 >= 0 && f1 <= 1, "token F1 " + f1);
        assertEquals(Files.readString(base.resolve("tokenizer.json")), Files.readString(result.model().resolve("tokenizer.json")));

        // Again: the copy and the fine-tuning are done, nothing trains.
        String weights = BootstrapTest.sha256(result.model().resolve("model.safetensors"));
        BaseModel.run(source, dir.resolve("work"), instructions, settings, TrainingListener.NONE);
        assertEquals(weights, BootstrapTest.sha256(result.model().resolve("model.safetensors")));

        // Without instruction data the copy is the model.
        BaseModel.Result plain = BaseModel.run(source, dir.resolve("plain"), null, settings, TrainingListener.NONE);
        assertEquals(dir.resolve("plain").resolve(BaseModel.BASE_DIR), plain.model());
        assertEquals(null, plain.finetuning());
    }

    @Test
    void whatIsNotAGpt2DirectoryIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("model");
        Gpt2LayoutModel.write(source, GptConfig.of(300, 32, 16, 2, 1), 1);
        Files.delete(source.resolve("merges.txt"));
        String noTokenizer = assertThrows(IllegalArgumentException.class,
                () -> BaseModel.prepare(source, dir.resolve("out"), TrainingListener.NONE)).getMessage();
        assertTrue(noTokenizer.contains("directory holds no tokenizer: neither tokenizer.json, vocab.json + merges.txt"), noTokenizer);
        String notADirectory = assertThrows(IllegalArgumentException.class,
                () -> BaseModel.prepare(dir.resolve("absent"), dir.resolve("out"), TrainingListener.NONE)).getMessage();
        assertTrue(notADirectory.endsWith("absent is not a directory: the base model must be a Hugging Face GPT-2 directory "
                + "(config.json, model.safetensors and its tokenizer files)"), notADirectory);
        assertFalse(Files.exists(dir.resolve("out")));
    }
}
