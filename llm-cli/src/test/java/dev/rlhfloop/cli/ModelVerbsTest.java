package dev.rlhfloop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generate, logits and eval verbs, run in-process against a small model saved to disk. */
class ModelVerbsTest {

    @TempDir
    static Path dir;

    static Gpt gpt;

    record Run(int exitCode, String out, String err) {}

    @BeforeAll
    static void saveModel() throws Exception {
        gpt = Gpt.create(GptConfig.of(30, 16, 16, 2, 2), 9);
        GptCheckpoint.save(gpt, dir.resolve("model"));
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Llm());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void logitsPrintsOneRowPerPosition() throws Exception {
        Run r = run("logits", "--model", dir.resolve("model").toString(), "--tokens", "1,2,3");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode logits = new ObjectMapper().readTree(r.out()).get("logits");
        assertEquals(3, logits.size());
        assertEquals(30, logits.get(0).size());
        float[] expected = gpt.forward(new int[] {1, 2, 3}, 1, 3);
        for (int t = 0; t < 3; t++) {
            for (int v = 0; v < 30; v++) {
                assertEquals(expected[t * 30 + v], (float) logits.get(t).get(v).asDouble(), 0f);
            }
        }
    }

    @Test
    void generateWithIdsFormatPrintsPromptAndNewIds() throws Exception {
        Run r = run("generate", "--model", dir.resolve("model").toString(), "--tokens", "1,2,3",
                "--max-new-tokens", "5", "--temperature", "0", "--format", "ids");
        assertEquals(0, r.exitCode(), r.err());
        int[] expected = new Generator(gpt).generate(new int[] {1, 2, 3}, SamplingSettings.greedy(5)).tokens();
        JsonNode ids = new ObjectMapper().readTree(r.out());
        assertEquals(8, ids.size());
        for (int i = 0; i < 8; i++) {
            assertEquals(expected[i], ids.get(i).asInt());
        }
    }

    @Test
    void generateReadsTheWeightsInTheFormatAsked() throws Exception {
        for (String format : new String[] {"bf16", "int8"}) {
            Run r = run("generate", "--model", dir.resolve("model").toString(), "--tokens", "1,2,3",
                    "--max-new-tokens", "5", "--temperature", "0", "--format", "ids", "--weights", format);
            assertEquals(0, r.exitCode(), r.err());
            Gpt packed = gpt.copy();
            packed.packForInference(dev.rlhfloop.llm.tensor.WeightFormat.parse(format));
            int[] expected = new Generator(packed).generate(new int[] {1, 2, 3}, SamplingSettings.greedy(5)).tokens();
            JsonNode ids = new ObjectMapper().readTree(r.out());
            for (int i = 0; i < 8; i++) {
                assertEquals(expected[i], ids.get(i).asInt(), format);
            }
        }
        Run bad = run("generate", "--model", dir.resolve("model").toString(), "--tokens", "1", "--weights", "fp8");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("--weights: unknown weight format 'fp8' (known: fp32, bf16, int8)") && !bad.err().contains("Exception"),
                bad.err());
    }

    @Test
    void evalReportsLossAndPerplexity() throws Exception {
        int[] ids = IntStream.range(0, 41).map(i -> (i * 7) % 30).toArray();
        Path file = dir.resolve("ids.txt");
        Files.writeString(file, IntStream.of(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        Run r = run("eval", "--model", dir.resolve("model").toString(), "--tokens-file", file.toString(), "--context", "10");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode result = new ObjectMapper().readTree(r.out());
        assertEquals(40, result.get("tokens").asInt());
        assertEquals(4, result.get("windows").asInt());
        int[] inputs = new int[40];
        int[] targets = new int[40];
        System.arraycopy(ids, 0, inputs, 0, 40);
        System.arraycopy(ids, 1, targets, 0, 40);
        float loss = gpt.loss(new Batch(4, 10, inputs, targets));
        assertEquals(loss, result.get("loss").asDouble(), 1e-5);
        assertEquals(Math.exp(result.get("loss").asDouble()), result.get("perplexity").asDouble(), 1e-9);
    }

    @Test
    void badInputIsOneClearLineNotAStackTrace() {
        Run r = run("logits", "--model", dir.resolve("model").toString(), "--tokens", "1,x,3");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("'x'") && !r.err().contains("Exception"), r.err());

        r = run("logits", "--model", dir.resolve("model").toString(), "--tokens", "1,99");
        assertTrue(r.err().contains("99") && r.err().contains("vocabulary"), r.err());

        r = run("generate", "--model", dir.resolve("missing").toString(), "--tokens", "1", "--format", "ids");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("missing") && r.err().contains("config.json"), r.err());

        r = run("generate", "--model", dir.resolve("model").toString(), "--prompt", "hello");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("tokenizer.json"), r.err());
    }
}
