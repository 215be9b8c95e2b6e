package dev.rlhfloop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.cli.TrainingVerbsTest.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.rlhfloop.cli.TrainingVerbsTest.TINY;
import static dev.rlhfloop.cli.TrainingVerbsTest.args;
import static dev.rlhfloop.cli.TrainingVerbsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** classify-train and classify, and sft with LoRA, for real on a tiny pretrained model. */
class ClassifyVerbsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path base;

    @BeforeAll
    static void pretrainABase() {
        base = dir.resolve("base");
        Run r = run(args(List.of("pretrain", "--out", base.toString()), args(TINY, "--steps", "20").toArray(String[]::new)));
        assertEquals(0, r.exitCode(), r.err());
    }

    @Test
    void trainsOnTheBuiltinMessagesAndClassifiesTextsAndFiles() throws Exception {
        Path out = dir.resolve("classifier");
        Run r = run(List.of("classify-train", "--model", base.toString(), "--out", out.toString(), "--epochs", "2"));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("data: built-in messages (seed 42), {ham=3385, spam=615}, balanced to 1230 and split 861 / 123 / 246"), r.err());
        assertTrue(r.err().contains("classify ["), r.err());
        assertTrue(r.out().contains("epoch 1 (step 108): train loss "), r.out());
        assertTrue(r.out().contains("epoch 2 (step 216): train loss ") && r.out().contains("; val loss "), r.out());
        assertTrue(r.out().contains("test: accuracy "), r.out());
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "score.safetensors", "labels.json")) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }

        Run one = run(List.of("classify", "--model", out.toString(), "--text", "You have won a free kite! Call 40213 now."));
        assertEquals(0, one.exitCode(), one.err());
        JsonNode answer = JSON.readTree(one.out());
        assertTrue(List.of("ham", "spam").contains(answer.get("label").asText()), one.out());
        double sum = answer.get("probabilities").get("ham").asDouble() + answer.get("probabilities").get("spam").asDouble();
        assertEquals(1.0, sum, 1e-5);

        Path file = dir.resolve("some.tsv");
        Files.writeString(file, "spam\tYou have won a free kite! Call 40213 now to get your prize.\nham\tAre you free on Sunday?\n"
                + "ham\tThanks for the cake, Mia.\n");
        Run scored = run(List.of("classify", "--model", out.toString(), "--data", file.toString()));
        assertEquals(0, scored.exitCode(), scored.err());
        JsonNode report = JSON.readTree(scored.out());
        assertEquals(3, report.get("n").asInt());
        int counted = 0;
        for (JsonNode row : report.get("confusion")) {
            for (JsonNode cell : row) {
                counted += cell.asInt();
            }
        }
        assertEquals(3, counted);
        assertTrue(report.get("accuracy").asDouble() >= 0 && report.get("accuracy").asDouble() <= 1);
    }

    @Test
    void loraSavesPeftFilesAndMergingGivesTheSameProbabilities() throws Exception {
        Path csv = dir.resolve("train.csv");
        StringBuilder text = new StringBuilder("Label,Text\n");
        for (int i = 0; i < 40; i++) {
            text.append(i % 2 == 0 ? "yes" : "no").append(",\"message ").append(i).append(i % 2 == 0 ? ", win now\"" : ", see you\"").append('\n');
        }
        Files.writeString(csv, text);
        List<String> common = List.of("classify-train", "--model", base.toString(), "--data", csv.toString(), "--split", "--epochs", "1",
                "--lora-rank", "2", "--lora-alpha", "4");
        Path adapter = dir.resolve("lora");
        Run r = run(args(common, "--out", adapter.toString()));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("training LoRA rank 2 + head"), r.err());
        assertTrue(Files.isRegularFile(adapter.resolve("adapter_config.json")));
        assertTrue(Files.isRegularFile(adapter.resolve("adapter_model.safetensors")));
        Path merged = dir.resolve("lora-merged");
        Run m = run(args(common, "--out", merged.toString(), "--merge"));
        assertEquals(0, m.exitCode(), m.err());
        assertFalse(Files.exists(merged.resolve("adapter_config.json")));

        JsonNode a = JSON.readTree(run(List.of("classify", "--model", adapter.toString(), "--text", "message 7, win now")).out());
        JsonNode b = JSON.readTree(run(List.of("classify", "--model", merged.toString(), "--text", "message 7, win now")).out());
        assertEquals(a.get("label"), b.get("label"));
        assertEquals(a.get("probabilities").get("yes").asDouble(), b.get("probabilities").get("yes").asDouble(), 1e-5);
    }

    @Test
    void sftTrainsAnAdapterThatScoreReads() {
        Path out = dir.resolve("sft-lora");
        Run r = run(List.of("sft", "--model", base.toString(), "--out", out.toString(), "--builtin", "--train-examples", "32",
                "--validation-examples", "4", "--score", "2", "--steps", "3", "--batch", "4", "--lora-rank", "2"));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("adapter_config.json")));
        Run scored = run(List.of("score", "--model", out.toString(), "--examples", "2"));
        assertEquals(0, scored.exitCode(), scored.err());
    }

    @Test
    void badInputGetsOneClearLine() throws Exception {
        Path bad = dir.resolve("bad.tsv");
        Files.writeString(bad, "ham\tfine\nthis line has no tab\n");
        Run r = run(List.of("classify-train", "--model", base.toString(), "--out", dir.resolve("x").toString(), "--data", bad.toString()));
        assertEquals(1, r.exitCode());
        assertEquals("error: " + bad + ":2: expected label<TAB>text, got no tab", r.err().strip());

        Run notClassifier = run(List.of("classify", "--model", base.toString(), "--text", "hi"));
        assertEquals(1, notClassifier.exitCode());
        assertTrue(notClassifier.err().startsWith("error: ") && notClassifier.err().contains("classify-train"), notClassifier.err());

        Run mergeAlone = run(List.of("classify-train", "--model", base.toString(), "--out", dir.resolve("y").toString(), "--merge"));
        assertEquals(1, mergeAlone.exitCode());
        assertTrue(mergeAlone.err().contains("need --lora-rank"), mergeAlone.err());
    }
}
