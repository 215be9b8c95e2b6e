package dev.rlhfloop.bench;

import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.data.AnswerChecker;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.data.builtin.RaterRules.Preference;
import dev.rlhfloop.llm.data.builtin.RaterRules;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.rlhf.PolicyUpdate;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.sample.Generation;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Random;

/**
 * The live loop of the services, offline and fast, to choose its settings: a simulated rater votes
 * by a hidden rule on pairs of sampled answers, every {@code pairs} decisive votes become a DPO
 * update (a new version), and the share of answers satisfying the rule is measured per version —
 * on the comparisons it answered (as the e2e test measures it) and on a fixed set of prompts.
 *
 * <p>{@code ./bench LoopExperiment model=DIR [key=value ...]}: {@code model} an SFT model directory
 * (config.json, model.safetensors, tokenizer.json, e.g. a trainer's {@code lines/live/1/model});
 * {@code rule} animal|shorter|colour|number ({@link RaterRules#rule}), {@code maxWords} (shorter: satisfied at most), {@code versions},
 * {@code pairs} per version, {@code history} new|all (train each version on its new pairs, or on
 * every pair so far), {@code lr}, {@code beta}, {@code epochs}, {@code batch}, {@code temperature},
 * {@code topK}, {@code maxNew}, {@code compare} latest|baseline|mixed, {@code eval} (prompts of the
 * fixed measure), {@code seed}, {@code lora} (a LoRA rank: each version an adapter over the SFT model; 0 = whole weights).
 * Each version is the loop's {@link PolicyUpdate} (DPO, without the reward model the live loop also trains).
 */
public final class LoopExperiment {

    record Answer(String text, int[] tokens, int version) {}

    public static void main(String[] args) throws IOException {
        ExperimentArgs o = ExperimentArgs.parse(args);
        Path modelDir = Path.of(o.textOr("model", "model"));
        String ruleName = o.textOr("rule", "animal");
        int maxWords = o.intOr("maxWords", 12);
        int versions = o.intOr("versions", 4);
        int pairsPerVersion = o.intOr("pairs", 4);
        boolean allHistory = o.textOr("history", "new").equals("all");
        UpdateSettings defaults = UpdateSettings.defaults();
        float lr = o.floatOr("lr", defaults.dpo().learningRate());
        double beta = o.doubleOr("beta", defaults.dpo().beta());
        int epochs = o.intOr("epochs", defaults.dpo().epochs());
        int batch = o.intOr("batch", defaults.batchSize());
        float temperature = o.floatOr("temperature", 0.8f);
        int topK = o.intOr("topK", 40);
        int maxNew = o.intOr("maxNew", 32);
        String compare = o.textOr("compare", "latest");
        int evalPrompts = o.intOr("eval", 60);
        long seed = o.longOr("seed", 1);
        int show = o.intOr("show", 0);

        RaterRules.Rule rule = RaterRules.rule(ruleName, maxWords)
                .orElseThrow(() -> new IllegalArgumentException("rule must be one of " + RaterRules.RULE_NAMES));

        Tokenizer tokenizer = TokenizerFiles.readHuggingFace(modelDir.resolve("tokenizer.json"));
        Gpt reference = GptCheckpoint.load(modelDir);
        int loraRank = o.intOr("lora", defaults.loraRank());
        UpdateSettings updates = defaults.with(s -> {
            s.batchSize = batch;
            s.loraRank = loraRank;
            s.dpo.beta = beta;
            s.dpo.learningRate = lr;
            s.dpo.epochs = epochs;
        });
        PolicyUpdate update = new PolicyUpdate(updates);
        Gpt policy = update.newPolicy(reference, seed);
        int eot = tokenizer.endOfTextId();
        List<String> pool = new BuiltinData(BuiltinData.DEFAULT_SEED).prompts();
        Random random = new Random(seed);
        // A seeded sample of the whole pool, which the comparisons draw from.
        List<String> shuffled = new ArrayList<>(pool);
        java.util.Collections.shuffle(shuffled, new Random(9_999));
        List<String> evalSet = shuffled.subList(0, Math.min(evalPrompts, pool.size()));
        SamplingSettings sampling = new SamplingSettings(temperature, topK, 1f, maxNew, 0, eot);
        List<String> sftAnswers = answers(reference, tokenizer, evalSet, sampling.withSeed(7_777));

        System.out.printf(Locale.ROOT, "LoRA rank %d (0 = whole weights), rule %s, %d pairs/version, history %s, lr %g, beta %g, epochs %d, batch %d, T %.2f, topK %d, maxNew %d, compare %s%n",
                loraRank, ruleName, pairsPerVersion, allHistory ? "all" : "new", lr, beta, epochs, batch, temperature, topK, maxNew, compare);
        System.out.println("| version | fixed-set share | fixed-set words | fixed-set wins vs SFT | comparisons | served answers | served share | decisive | seconds |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        List<TokenizedPreference> history = new ArrayList<>();
        long sampleSeed = seed * 1_000_003L;
        for (int version = 1; version <= versions + 1; version++) {
            long t0 = System.nanoTime();
            List<String> fixedAnswers = answers(policy, tokenizer, evalSet, sampling.withSeed(9_999));
            int satisfied = 0, words = 0, wins = 0, decided = 0;
            for (int i = 0; i < evalSet.size(); i++) {
                if (rule.satisfiedBy(evalSet.get(i), fixedAnswers.get(i))) satisfied++;
                words += RaterRules.wordCount(fixedAnswers.get(i));
                Preference vsSft = rule.choose(evalSet.get(i), fixedAnswers.get(i), sftAnswers.get(i));
                if (vsSft == Preference.FIRST || vsSft == Preference.SECOND) decided++;
                if (vsSft == Preference.FIRST) wins++;
            }
            List<TokenizedPreference> fresh = new ArrayList<>();
            int comparisons = 0, served = 0, servedOk = 0, decisive = 0;
            while (version <= versions && fresh.size() < pairsPerVersion || version > versions && comparisons < 10) {
                String prompt = pool.get(random.nextInt(pool.size()));
                int[] promptIds = tokenizer.encode(AlpacaFormat.prompt(prompt, ""));
                boolean vsBaseline = compare.equals("baseline") || compare.equals("mixed") && comparisons % 2 == 0;
                Answer a = answer(policy, tokenizer, promptIds, sampling.withSeed(sampleSeed++), version);
                Answer b = answer(vsBaseline && version > 1 ? reference : policy, tokenizer, promptIds, sampling.withSeed(sampleSeed++),
                        vsBaseline && version > 1 ? 1 : version);
                comparisons++;
                if (comparisons <= show) System.err.printf("  [v%d] %s%n    A(v%d): %s%n    B(v%d): %s%n", version, prompt, a.version, a.text, b.version, b.text);
                for (Answer x : List.of(a, b)) {
                    if (x.version == version) {
                        served++;
                        if (rule.satisfiedBy(prompt, x.text)) servedOk++;
                    }
                }
                Preference p = rule.choose(prompt, a.text, b.text);
                if (p == Preference.FIRST || p == Preference.SECOND) {
                    decisive++;
                    Answer chosen = p == Preference.FIRST ? a : b;
                    Answer rejected = p == Preference.FIRST ? b : a;
                    if (!Arrays.equals(chosen.tokens, rejected.tokens)) fresh.add(new TokenizedPreference(promptIds, chosen.tokens, rejected.tokens));
                }
            }
            System.out.printf(Locale.ROOT, "| %d | %.1f%% | %.2f | %.1f%% (%d/%d) | %d | %d | %.1f%% | %d | %.0f |%n", version,
                    100.0 * satisfied / evalSet.size(), (double) words / evalSet.size(), 100.0 * wins / Math.max(1, decided), wins, decided,
                    comparisons, served,
                    100.0 * servedOk / Math.max(1, served), decisive, (System.nanoTime() - t0) / 1e9);
            if (version > versions) break;
            history.addAll(fresh);
            List<TokenizedPreference> train = allHistory ? history : fresh;
            Map<String, Double> result = update.updatePolicy(policy, reference, null, train, List.of(), eot, seed + version,
                    PolicyUpdate.Progress.NONE);
            System.err.printf(Locale.ROOT, "  version %d trained on %d pairs: %s%n", version + 1, train.size(), result);
        }
    }

    private static Answer answer(Gpt model, Tokenizer tokenizer, int[] prompt, SamplingSettings sampling, int version) {
        Generation g = new Generator(model).generate(prompt, sampling);
        int[] tokens = Arrays.copyOfRange(g.tokens(), prompt.length, g.tokens().length);
        return new Answer(AnswerChecker.responseOf(tokenizer.decode(tokens)), tokens, version);
    }

    /** One answer per prompt, the i-th sampled with seed {@code sampling.seed() + i}. */
    private static List<String> answers(Gpt model, Tokenizer tokenizer, List<String> prompts, SamplingSettings sampling) {
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            int[] ids = tokenizer.encode(AlpacaFormat.prompt(prompts.get(i), ""));
            answers.add(answer(model, tokenizer, ids, sampling.withSeed(sampling.seed() + i), 0).text);
        }
        return answers;
    }
}
