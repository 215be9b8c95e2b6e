package dev.rlhfloop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.llm.testing.BookData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pretrain, sft and score, run for real on tiny models: in this JVM, and killed and resumed in a child JVM. */
class TrainingVerbsTest {

    /** A model of a few thousand parameters on a slice of the built-in corpus, so each step takes milliseconds. */
    static final List<String> TINY = List.of("--builtin", "--corpus-chars", "60000", "--preset", "nano", "--layers", "1",
            "--embed-dim", "16", "--heads", "2", "--context", "32", "--vocab-size", "300", "--batch", "4");

    @TempDir
    static Path dir;

    record Run(int exitCode, String out, String err) {}

    static Run run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Llm());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static List<String> args(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all;
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    static Path base;

    @BeforeAll
    static void pretrainABase() {
        base = dir.resolve("base");
        Run r = run(args(List.of("pretrain", "--out", base.toString()), args(TINY, "--steps", "300").toArray(String[]::new)));
        assertEquals(0, r.exitCode(), r.err());
    }

    @Test
    void pretrainWritesASelfContainedModelAndReportsProgress() throws Exception {
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "optimizer.safetensors", "training.json")) {
            assertTrue(Files.isRegularFile(base.resolve(file)), file);
        }
        JsonNode state = new ObjectMapper().readTree(base.resolve("training.json").toFile());
        assertEquals(300, state.get("step").asInt());
        assertTrue(state.get("finished").asBoolean());
        Run generated = run(List.of("generate", "--model", base.toString(), "--prompt", "Once upon a time", "--max-new-tokens", "5"));
        assertEquals(0, generated.exitCode(), generated.err());
    }

    @Test
    void progressLinesShowStepLossSpeedAndEta() {
        Path out = dir.resolve("progress");
        Run r = run(args(List.of("pretrain", "--out", out.toString()), args(TINY, "--steps", "40", "--eval-every", "20",
                "--sample-every", "20", "--checkpoint-every", "20").toArray(String[]::new)));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Pattern.compile("pretrain \\[#+\\.*] step 2/40 epoch 1 loss \\d+\\.\\d{3} lr \\S+ [\\d,]+ tok/s \\d+:\\d\\d ETA \\d+:\\d\\d")
                .matcher(r.err()).find(), r.err());
        assertTrue(r.err().contains("pretrain step 20: train loss"), r.err());
        assertTrue(r.err().contains("pretrain step 40 sample: Once upon a time -> "), r.err());
        assertTrue(r.err().contains("pretrain step 20: checkpoint saved in " + out), r.err());
        assertTrue(r.out().startsWith("pretrained " + out + ": 40 steps, train loss "), r.out());
        assertEquals(21, r.err().lines().filter(line -> line.startsWith("pretrain [")).count(), "every 2nd of 40 steps, and the first");

        Run again = run(args(List.of("pretrain", "--out", out.toString()), TINY.toArray(String[]::new)));
        assertEquals(1, again.exitCode());
        assertTrue(again.err().contains("already holds a finished run (step 40 of 40): pass --resume"), again.err());
    }

    /**
     * The promise, done for real: a pretraining run in a child JVM is killed (SIGKILL)
     * after it wrote a checkpoint, resumed with --resume, and ends with the same weights, byte
     * for byte, as a run that was never interrupted. Dropout is on, so its state must resume too.
     */
    @Test
    void aKilledRunResumesToTheSameWeights() throws Exception {
        List<String> settings = args(TINY, "--steps", "1200", "--checkpoint-every", "50", "--eval-every", "600",
                "--sample-every", "0", "--dropout", "0.1");
        Path killed = dir.resolve("killed");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Llm.class.getName(),
                "pretrain", "--out", killed.toString()));
        command.addAll(settings);
        Process child = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
            Pattern checkpoint = Pattern.compile("pretrain step (\\d+): checkpoint saved");
            for (String line = err.readLine(); ; line = err.readLine()) {
                assertTrue(line != null, "the child ended before writing a checkpoint");
                Matcher m = checkpoint.matcher(line);
                if (m.find() && Integer.parseInt(m.group(1)) >= 50) {
                    break;
                }
            }
            child.destroyForcibly(); // SIGKILL: no shutdown hooks, files as they are at this instant
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        Run refused = run(args(List.of("pretrain", "--out", killed.toString()), settings.toArray(String[]::new)));
        assertEquals(1, refused.exitCode());
        assertTrue(refused.err().contains("unfinished run"), refused.err());

        Run resumed = run(args(List.of("pretrain", "--out", killed.toString(), "--resume"), settings.toArray(String[]::new)));
        assertEquals(0, resumed.exitCode(), resumed.err());
        Matcher from = Pattern.compile("resuming after step (\\d+) of 1200").matcher(resumed.err());
        assertTrue(from.find(), resumed.err());
        int resumedAt = Integer.parseInt(from.group(1));
        assertTrue(resumedAt >= 50 && resumedAt < 1200 && resumedAt % 50 == 0, "resumed at " + resumedAt);

        Path whole = dir.resolve("whole");
        Run uninterrupted = run(args(List.of("pretrain", "--out", whole.toString()), settings.toArray(String[]::new)));
        assertEquals(0, uninterrupted.exitCode(), uninterrupted.err());
        assertEquals(sha256(whole.resolve("model.safetensors")), sha256(killed.resolve("model.safetensors")));
        assertEquals(sha256(whole.resolve("optimizer.safetensors")), sha256(killed.resolve("optimizer.safetensors")));
        try (Stream<Path> files = Files.list(killed)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith(".checkpoint")), "no half-written checkpoint left");
        }
    }

    /** The book's SFT set with the book's split, one short epoch on the tiny model: train and val loss per epoch. */
    @Test
    void sftOnTheBookInstructionDataReportsLossPerEpoch() throws Exception {
        Path out = dir.resolve("book-sft");
        Run r = run(List.of("sft", "--model", base.toString(), "--out", out.toString(),
                "--data", BookData.file("instruction-data.json").toString(), "--epochs", "1", "--batch", "8",
                "--eval-every", "0", "--eval-batches", "7", "--sample-every", "0", "--samples", "1", "--score", "2"));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("935 train / 55 validation / 110 test examples"), r.err());
        assertTrue(r.out().contains("exact match on 2 held-out tasks: "), r.out()); // the first 2 of the test split
        assertTrue(r.out().contains("token F1 on 2 held-out tasks: "), r.out());
        Matcher epoch = Pattern.compile("epoch 1 \\(step 116\\): train loss (\\d+\\.\\d+), val loss (\\d+\\.\\d+)").matcher(r.out());
        assertTrue(epoch.find(), r.out());
        assertEquals(Files.readString(base.resolve("tokenizer.json")), Files.readString(out.resolve("tokenizer.json")));
        JsonNode state = new ObjectMapper().readTree(out.resolve("training.json").toFile());
        assertEquals("SFT", state.get("phase").asText());
        assertEquals(116, state.get("step").asInt());
    }

    @Test
    void sftOnBuiltinDataScoresHeldOutTasksAndScoreAgrees() {
        Path out = dir.resolve("builtin-sft");
        Run r = run(List.of("sft", "--model", base.toString(), "--out", out.toString(), "--builtin", "--train-examples", "64",
                "--validation-examples", "8", "--score", "6", "--steps", "4", "--batch", "4", "--eval-every", "2", "--sample-every", "2"));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("sft step 2 sample: "), r.err());
        Matcher score = Pattern.compile("exact match on 6 held-out tasks: (\\d+/6 = [\\d.]+%)").matcher(r.out());
        assertTrue(score.find(), r.out());

        Run scored = run(List.of("score", "--model", out.toString(), "--examples", "6", "--show", "2"));
        assertEquals(0, scored.exitCode(), scored.err());
        assertTrue(scored.out().contains("exact match on 6 tasks: " + score.group(1)), scored.out() + " vs " + score.group(1));
        assertTrue(scored.out().contains("expected: "), scored.out());
    }

    @Test
    void evalOodAnswersTheFiftyOutOfDomainPrompts() throws Exception {
        Path words = dir.resolve("words.txt");
        Files.writeString(words, "I\ndo\nnot\nknow\n");
        Run r = run(List.of("eval", "--model", base.toString(), "--ood", "--words", words.toString()));
        assertEquals(0, r.exitCode(), r.err());
        JsonNode result = new ObjectMapper().readTree(r.out());
        assertEquals(50, result.get("prompts").asInt());
        assertEquals(50, result.get("answers").size());
        assertEquals("What is the capital of France?", result.get("answers").get(0).get("prompt").asText());
        int english = 0;
        for (JsonNode answer : result.get("answers")) {
            english += answer.get("english").asBoolean() ? 1 : 0;
        }
        assertEquals(english, result.get("englishAnswers").asInt());

        Run noWords = run(List.of("eval", "--model", base.toString(), "--ood", "--words", dir.resolve("none.txt").toString()));
        assertEquals(1, noWords.exitCode());
        assertTrue(noWords.err().startsWith("error: ") && noWords.err().contains("apt-get install wamerican"), noWords.err());
    }

    @Test
    void badInputGetsOneClearLine() {
        Run missing = run(List.of("pretrain", "--out", dir.resolve("x").toString(), "--corpus", dir.resolve("nope.txt").toString()));
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().startsWith("error: ") && missing.err().contains("nope.txt: no such file"), missing.err());

        Run noTokenizer = run(List.of("sft", "--model", dir.resolve("nothing").toString(), "--out", dir.resolve("y").toString()));
        assertEquals(1, noTokenizer.exitCode());
        assertTrue(noTokenizer.err().contains("tokenizer.json"), noTokenizer.err());

        Run both = run(args(List.of("pretrain", "--out", dir.resolve("z").toString(), "--epochs", "1"), args(TINY, "--steps", "3").toArray(String[]::new)));
        assertEquals(1, both.exitCode());
        assertTrue(both.err().contains("--steps or --epochs, not both"), both.err());
    }
}
