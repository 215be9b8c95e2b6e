package dev.rlhfloop.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.rlhfloop.llm.data.builtin.TokenizerTexts;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * GPT-2 encoding throughput, ours beside jtokkit's r50k_base in the same JVM, on three texts;
 * then the time to train a 4,096-token vocabulary on 10 MB. Usage:
 * {@code ./bench TokenizerBenchmark [--reps N] [--train-mb MB] [--train-corpus FILE]} (the first MB of FILE
 * instead of text grown from the built-in corpus, which has few distinct words).
 */
public final class TokenizerBenchmark {

    /** Built-in instruction examples that make about 4 MB of JSON, the size of the other texts. */
    private static final int INSTRUCTION_EXAMPLES = 21_000;

    public static void main(String[] args) throws Exception {
        int reps = 7;
        int trainMb = 10;
        Path trainCorpus = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                case "--train-mb" -> trainMb = Integer.parseInt(args[i + 1]);
                case "--train-corpus" -> trainCorpus = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (trainCorpus != null && !Files.isReadable(trainCorpus)) {
            System.err.println("--train-corpus " + trainCorpus + ": no such readable file");
            System.exit(2);
        }
        BpeTokenizer ours = TokenizerFiles.gpt2();
        Encoding jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

        List<String[]> texts = new ArrayList<>();
        texts.add(new String[] {"English prose (built-in corpus, shuffled, 4 MB)", TokenizerTexts.english(4 << 20, 1)});
        texts.add(new String[] {"JSON instruction data (built-in, ~4 MB)", TokenizerTexts.instructionJson(INSTRUCTION_EXAMPLES, 1)});
        Random random = new Random(5);
        StringBuilder hostile = new StringBuilder();
        while (hostile.length() < (1 << 20)) {
            hostile.append(TokenizerTexts.hostile(random, 40));
        }
        texts.add(new String[] {"hostile unicode mix (1 MB)", hostile.toString()});

        System.out.printf("GPT-2 (r50k_base) encoding, MB/s of UTF-8 input, one thread, median of %d runs after warm-up.%n"
                + "Measured in CPU time of the encoding thread (robust on a shared machine); wall-clock median in brackets.%n", reps);
        System.out.printf("%-48s %18s %18s %7s%n", "text", "ours", "jtokkit 1.1.0", "ratio");
        for (String[] text : texts) {
            String s = text[1];
            if (!Arrays.equals(ours.encode(s), jtokkit.encodeOrdinary(s).toArray())) {
                throw new AssertionError("ids differ on " + text[0]);
            }
            double mb = s.getBytes(StandardCharsets.UTF_8).length / 1e6;
            ToIntFunction<String> oursFn = t -> ours.encode(t).length;
            ToIntFunction<String> refFn = t -> jtokkit.encodeOrdinary(t).size();
            // warm up both, interleaved, then measure interleaved so machine noise hits both alike
            for (int i = 0; i < 3; i++) {
                oursFn.applyAsInt(s);
                refFn.applyAsInt(s);
            }
            double[][] a = new double[2][reps];
            double[][] b = new double[2][reps];
            for (int i = 0; i < reps; i++) {
                measure(oursFn, s, mb, a, i);
                measure(refFn, s, mb, b, i);
            }
            double oursCpu = median(a[0]);
            double refCpu = median(b[0]);
            System.out.printf("%-48s %9.1f [%5.1f] %9.1f [%5.1f] %6.2fx%n", text[0],
                    oursCpu, median(a[1]), refCpu, median(b[1]), oursCpu / refCpu);
        }

        String corpus = trainCorpus == null ? TokenizerTexts.english(trainMb * 1_000_000, 2) : firstMegabytes(trainCorpus, trainMb);
        double corpusMb = corpus.getBytes(StandardCharsets.UTF_8).length / 1e6;
        long start = System.nanoTime();
        long startCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        BpeTokenizer trained = BpeTrainer.train(corpus, 4096);
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        double trainCpuSeconds = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - startCpu) / 1e9;
        int[] ids = trained.encode(corpus);
        System.out.printf("%ntraining on %s:%n", trainCorpus == null ? "text grown from the built-in corpus" : trainCorpus);
        System.out.printf("%d-token vocabulary on %.1f MB in %.1f s wall, %.1f s CPU (%d merges); it encodes that corpus in %d tokens (%.2f bytes/token)%n",
                trained.vocabSize(), corpusMb, trainSeconds, trainCpuSeconds, trained.merges().size(), ids.length, corpusMb * 1e6 / ids.length);
    }

    private static String firstMegabytes(Path file, int mb) throws IOException {
        byte[] bytes;
        try (var in = Files.newInputStream(file)) {
            bytes = in.readNBytes(mb * 1_000_000);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        // a cut through a multi-byte character leaves one replacement character at the end; drop it
        return text.endsWith("\uFFFD") ? text.substring(0, text.length() - 1) : text;
    }

    /** One run: MB/s by thread CPU time into {@code rates[0][run]}, by wall clock into {@code rates[1][run]}. */
    private static void measure(ToIntFunction<String> encode, String text, double mb, double[][] rates, int run) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu = threads.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        int tokens = encode.applyAsInt(text);
        rates[1][run] = mb / ((System.nanoTime() - wall) / 1e9);
        rates[0][run] = mb / ((threads.getCurrentThreadCpuTime() - cpu) / 1e9);
        if (tokens <= 0) {
            throw new AssertionError("no tokens");
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
