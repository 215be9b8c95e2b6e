package dev.rlhfloop.bench;

import dev.rlhfloop.bench.QualityResults.Row;
import dev.rlhfloop.bench.QualityResults.RunKey;
import dev.rlhfloop.contracts.RaterReliability;
import dev.rlhfloop.llm.Engine;
import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.data.AnswerChecker;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.data.builtin.RaterRules;
import dev.rlhfloop.llm.data.builtin.RaterRules.Preference;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.rlhf.CandidateChoice;
import dev.rlhfloop.llm.rlhf.PolicyAlgorithm;
import dev.rlhfloop.llm.rlhf.PolicyUpdate;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.sample.BatchDecoder;
import dev.rlhfloop.llm.sample.Generation;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.sample.SequenceLogProbs;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import dev.rlhfloop.llm.train.ExactMatch;
import dev.rlhfloop.llm.train.TrainingListener;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The loop's quality harness (issue #15): the live loop offline — the same {@link PolicyUpdate}
 * (reward model, then the policy by the settings' algorithm), no Kafka — with a simulated rater
 * per rule of {@link RaterRules#rule}. A rater votes on pairs of the current version's answers to
 * prompts of the pool; every {@code votesPerVersion} votes their decisive pairs train a new version.
 * At each vote checkpoint the current version answers a fixed set of held-out prompts (never voted
 * on) and the harness records: the rule's share of those answers (the SFT model's at 0 votes), the
 * gap closed, the win rate against the SFT model's paired answers (same prompt, same sampling seed,
 * judged by the rule, among decisive pairs), greedy exact match on held-out tasks and the share of
 * non-words (words found nowhere in the built-in data, but for the fragment that ends an answer the
 * token limit cut) — the alignment tax — the KL to the SFT
 * model (mean log-ratio over the version's own answers), words per answer, seconds and peak heap
 * per update. Each finished run appends its rows to the results file; runs already there are skipped.
 *
 * <p>{@code ./bench LoopQuality model=DIR [key=value ...]} — see docs/benchmarks.md for the options.
 */
public final class LoopQuality {

    /**
     * The harness options of a configuration, beside its {@link UpdateSettings}. Votes come from
     * {@code raters} simulated raters in turn, the first {@code randomRaters} of whom vote A or B at
     * random (the others by the rule); {@code goldShare} of the votes are on gold comparisons, which
     * make no pair but count as votes: a rule rater picks the right answer, a random one is right
     * half the time. Each pair weighs its rater's {@link RaterReliability} weight from their gold
     * votes so far (used when the settings weigh by reliability).
     */
    record Harness(int votesPerVersion, List<Integer> checkpoints, int answers, int tasks, float temperature, int topK, int maxNew,
                   int maxWords, int bestOf, int raters, int randomRaters, double goldShare, String pairing, int pairingCandidates) {

        Harness {
            if (raters < 1 || randomRaters < 0 || randomRaters >= raters || goldShare < 0 || goldShare >= 1) {
                throw new IllegalArgumentException("need raters >= 1, 0 <= randomRaters < raters, 0 <= gold < 1; got " + raters + ", "
                        + randomRaters + ", " + goldShare);
            }
        }

        /**
         * {@code shorter} is satisfied by at most 5 words: the bootstrapped nano model answers in 5.7
         * words on average, and 66% of its answers are that short (93% at 12, a rule it already follows).
         */
        static Harness defaults() {
            return new Harness(16, List.of(50, 100, 150, 300), 300, 200, 0.8f, 40, 32, 5, 1, 1, 0, 0, "independent", 4);
        }

        /** Few answers and tasks, few votes: a smoke run that proves the harness end to end. */
        static Harness quick() {
            return new Harness(8, List.of(16, 32), 40, 20, 0.8f, 40, 24, 5, 1, 1, 0, 0, "independent", 4);
        }

        /** Whether some votes are simulated as anything but the one rule rater's (the original harness draws nothing else). */
        boolean simulatesRaterChecks() {
            return raters > 1 || goldShare > 0;
        }

        int lastCheckpoint() {
            return checkpoints.get(checkpoints.size() - 1);
        }
    }

    /** A configuration: what the loop runs with, and the label its rows carry (the options that differ from the defaults). */
    record Configuration(String label, UpdateSettings settings, Harness harness) {}

    /** The keys that change a configuration (and so its label); every other key chooses what runs or where it goes. */
    static final List<String> CONFIG_KEYS = List.of("algorithm", "lr", "beta", "epochs", "batch", "lora", "rewardLr", "rewardEpochs",
            "votesPerVersion", "checkpoints", "answers", "tasks", "temperature", "topK", "maxNew", "maxWords", "online", "onlinePrompts",
            "onlineWeight", "onlineTemperature", "sftMix", "sftExamples", "sftOpen", "ktoLr", "grpoLr", "ppoLr", "bestOf", "raters", "randomRaters", "gold", "weights", "pairing", "pairingCandidates", "quick");

    public static void main(String[] args) throws IOException {
        ExperimentArgs o = ExperimentArgs.parse(args);
        Path modelDir = Path.of(o.textOr("model", "run/trainer-service/lines/live/1/model"));
        Path out = Path.of(o.textOr("out", "benchmarks/results/loop-quality.md"));
        List<String> rules = List.of(o.textOr("rules", String.join(",", RaterRules.RULE_NAMES)).split(","));
        List<Long> seeds = Arrays.stream(o.textOr("seeds", "1,2,3").split(",")).map(String::strip).map(Long::parseLong).toList();
        List<Configuration> configurations = configurations(o);

        Machine machine = Machine.here();
        String commit = commit();
        System.out.printf(Locale.ROOT, "LoopQuality at %s on %s; results → %s%n", commit, machine, out);
        Setup setup = new Setup(modelDir, o.intOr("evalPool", 0));
        for (Configuration config : configurations) {
            System.out.printf(Locale.ROOT, "configuration %s: %s, %s%n", config.label(), config.settings(), config.harness());
            for (String ruleName : rules) {
                RaterRules.Rule rule = RaterRules.rule(ruleName, config.harness().maxWords())
                        .orElseThrow(() -> new IllegalArgumentException("rule must be one of " + RaterRules.RULE_NAMES + ": " + ruleName));
                for (long seed : seeds) {
                    RunKey key = new RunKey(config.label(), rule.name(), seed);
                    if (QualityResults.done(QualityResults.read(out), key, config.harness().lastCheckpoint())) {
                        System.out.printf("  %s · %s · seed %d: in %s already, skipped%n", config.label(), rule.name(), seed, out);
                        continue;
                    }
                    List<Row> rows = new Run(setup, config, rule, seed, commit, machine).rows();
                    QualityResults.append(out, rows);
                }
            }
        }
        System.out.println();
        System.out.println(QualityResults.HEADER);
        List<Row> all = QualityResults.read(out);
        Set<String> labels = new HashSet<>(configurations.stream().map(Configuration::label).toList());
        configurations.forEach(c -> labels.add(plainLabel(c.label())));
        List<Row> ours = all.stream().filter(r -> labels.contains(r.config()) && rules.stream()
                .anyMatch(n -> RaterRules.rule(n, 1).map(RaterRules.Rule::name).orElse("").equals(r.rule()))).toList();
        ours.forEach(r -> System.out.println(r.line()));
        System.out.println();
        QualityResults.summary(ours).forEach(System.out::println);
    }

    /**
     * The configurations to run: with {@code gate}, the default one and one per other algorithm; with
     * {@code sweep=FILE}, one per non-blank line of key=value options; otherwise the one the arguments give.
     */
    static List<Configuration> configurations(ExperimentArgs o) throws IOException {
        List<Configuration> list = new ArrayList<>();
        if (o.has("gate")) {
            list.add(configuration(ExperimentArgs.parse(new String[] {}), o.has("quick")));
            for (PolicyAlgorithm algorithm : PolicyAlgorithm.values()) {
                if (algorithm != UpdateSettings.defaults().algorithm()) {
                    list.add(configuration(ExperimentArgs.parse(new String[] {"algorithm=" + algorithm.name().toLowerCase(Locale.ROOT)}),
                            o.has("quick")));
                }
            }
        } else if (o.has("sweep")) {
            for (String line : Files.readAllLines(Path.of(o.textOr("sweep", "")))) {
                if (!line.isBlank() && !line.strip().startsWith("#")) list.add(configuration(ExperimentArgs.parse(line.strip().split("\\s+")), o.has("quick")));
            }
        } else {
            list.add(configuration(o, o.has("quick")));
        }
        return list;
    }

    /** The configuration the options give over the defaults (UpdateSettings' and the harness's), labelled by the options given. */
    static Configuration configuration(ExperimentArgs o, boolean quick) {
        UpdateSettings d = UpdateSettings.defaults();
        PolicyAlgorithm algorithm = o.has("algorithm") ? PolicyAlgorithm.named(o.textOr("algorithm", "")).orElseThrow(
                () -> new IllegalArgumentException("algorithm must be one of " + PolicyAlgorithm.names())) : d.algorithm();
        UpdateSettings settings = d.with(s -> {
            s.algorithm = algorithm;
            s.batchSize = o.intOr("batch", d.batchSize());
            s.loraRank = o.intOr("lora", d.loraRank());
            s.reward.learningRate = o.floatOr("rewardLr", d.reward().learningRate());
            s.reward.epochs = o.intOr("rewardEpochs", d.reward().epochs());
            s.dpo.learningRate = o.floatOr("lr", d.dpo().learningRate());
            s.dpo.beta = o.doubleOr("beta", d.dpo().beta());
            s.dpo.epochs = o.intOr("epochs", d.dpo().epochs());
            s.online.samples = o.intOr("online", d.online().samples());
            s.online.prompts = o.intOr("onlinePrompts", d.online().prompts());
            s.online.weight = o.doubleOr("onlineWeight", d.online().weight());
            s.online.temperature = o.floatOr("onlineTemperature", d.online().temperature());
            s.sftMix.learningRate = o.floatOr("sftMix", d.sftMix().learningRate());
            s.sftMix.examples = o.intOr("sftExamples", d.sftMix().examples());
            s.kto.learningRate = o.floatOr("ktoLr", d.kto().learningRate());
            s.grpo.learningRate = o.floatOr("grpoLr", d.grpo().learningRate());
            s.ppo.learningRate = o.floatOr("ppoLr", d.ppo().learningRate());
            s.weighByReliability = o.has("weights") ? onOff(o.textOr("weights", "")) : d.weighByReliability();
        });
        if (o.has("lr")) settings = settings.with(s -> s.rloo.learningRate = o.floatOr("lr", 0));
        Harness h = quick ? Harness.quick() : Harness.defaults();
        List<Integer> checkpoints = o.has("checkpoints")
                ? Arrays.stream(o.textOr("checkpoints", "").split(",")).map(String::strip).map(Integer::parseInt).sorted().toList()
                : h.checkpoints();
        Harness harness = new Harness(o.intOr("votesPerVersion", h.votesPerVersion()), checkpoints, o.intOr("answers", h.answers()),
                o.intOr("tasks", h.tasks()), o.floatOr("temperature", h.temperature()), o.intOr("topK", h.topK()),
                o.intOr("maxNew", h.maxNew()), o.intOr("maxWords", h.maxWords()), o.intOr("bestOf", h.bestOf()), o.intOr("raters", h.raters()),
                o.intOr("randomRaters", h.randomRaters()), o.doubleOr("gold", h.goldShare()), o.textOr("pairing", h.pairing()),
                o.intOr("pairingCandidates", h.pairingCandidates()));
        if (!List.of("independent", "uncertain", "spread").contains(harness.pairing())) {
            throw new IllegalArgumentException("pairing must be independent, uncertain or spread, was " + harness.pairing());
        }
        if (harness.bestOf() < 1) throw new IllegalArgumentException("bestOf must be at least 1, was " + harness.bestOf());
        return new Configuration(label(o, quick), settings, harness);
    }

    private static boolean onOff(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException("weights must be on or off: " + text);
        };
    }

    /** "default", or the configuration keys given, in a fixed order: "algorithm=rloo lr=3e-4"; "quick" when quick. */
    static String label(ExperimentArgs o, boolean quick) {
        List<String> parts = new ArrayList<>();
        for (String key : CONFIG_KEYS) {
            if (key.equals("quick")) continue;
            if (o.has(key)) parts.add(key + "=" + o.textOr(key, ""));
        }
        if (quick) parts.add("quick");
        return parts.isEmpty() ? "default" : String.join(" ", parts);
    }

    /**
     * The label of a best-of-n run's companion rows: the same versions answering with one sample
     * each ({@code bestOf=1}), measured in the same run, so the two rows of a checkpoint differ only
     * in how the held-out answers were drawn.
     */
    static String plainLabel(String label) {
        return label.replaceAll("bestOf=\\d+", "bestOf=1");
    }

    /** What every run shares: the SFT model, the prompts (split into voted and held-out), the tasks, the known words, the SFT model's answers. */
    static final class Setup {
        final Path modelDir;
        final Tokenizer tokenizer;
        final Gpt reference;
        final List<String> votingPool;
        final List<String> heldOutPool;
        final List<InstructionExample> tasks;
        final Set<String> knownWords;
        /** Each pool prompt's kind ({@link BuiltinData#promptKinds}): where a rule's share falls short. */
        final Map<String, String> promptKinds;
        /** The SFT model's training examples the SFT mix draws from, as the live trainer's does on the built-in line; and all of them (option sftOpen=on). */
        final List<InstructionLoader.Encoded> instructions, allInstructions;
        final Map<String, Measure> sftMeasures = new HashMap<>();

        Setup(Path modelDir, int heldOutPrompts) throws IOException {
            this.modelDir = modelDir;
            tokenizer = TokenizerFiles.readHuggingFace(modelDir.resolve("tokenizer.json"));
            reference = GptCheckpoint.load(modelDir);
            BuiltinData data = new BuiltinData(BuiltinData.DEFAULT_SEED);
            List<String> pool = new ArrayList<>(data.prompts());
            Collections.shuffle(pool, new Random(9_999));
            int heldOut = heldOutPrompts > 0 ? heldOutPrompts : pool.size() / 3;
            heldOutPool = List.copyOf(pool.subList(0, heldOut));
            votingPool = List.copyOf(pool.subList(heldOut, pool.size()));
            tasks = data.heldOutExamples();
            knownWords = knownWords(data);
            promptKinds = data.promptKinds();
            instructions = InstructionLoader.encodeAll(data.mixExamples(), tokenizer);
            allInstructions = InstructionLoader.encodeAll(data.trainingExamples(), tokenizer);
            System.out.printf(Locale.ROOT, "%d prompts voted on, %d held out; %d held-out tasks; %d known words%n", votingPool.size(),
                    heldOutPool.size(), tasks.size(), knownWords.size());
        }

        /** Every word of the built-in data: corpus, instructions and answers, prompts. */
        static Set<String> knownWords(BuiltinData data) {
            Set<String> words = new HashSet<>();
            for (String text : data.corpus()) words.addAll(RaterRules.words(text));
            for (InstructionExample e : data.trainingExamples()) {
                if (!e.task().equals(BuiltinData.UNKNOWN_TASK)) { // their subjects (Peru, Napoleon, made-up names) are not the world's words
                    words.addAll(RaterRules.words(e.prompt() + " " + e.output()));
                }
            }
            for (InstructionExample e : data.heldOutExamples()) words.addAll(RaterRules.words(e.prompt() + " " + e.output()));
            for (String prompt : data.prompts()) words.addAll(RaterRules.words(prompt));
            return words;
        }

        /** The held-out prompts the rule can be satisfied on. */
        List<String> heldOutFor(RaterRules.Rule rule) {
            List<String> prompts = heldOutPool.stream().filter(rule::appliesTo).toList();
            if (prompts.isEmpty()) throw new IllegalStateException("no held-out prompt the rule " + rule.name() + " applies to");
            return prompts;
        }
    }

    /** One measurement of a model on a rule's held-out prompts: its answers (i-th to prompt i mod n, seed 9,999 + i) and the figures on them. */
    record Measure(List<String> prompts, List<String> answers, List<int[]> promptIds, List<int[]> answerIds, double exactMatch,
                   double nonWords, double words) {}

    static Measure measure(Setup setup, Gpt model, List<String> prompts, Harness h) {
        return measure(setup, model, prompts, h, null, Double.NaN);
    }

    /**
     * With a {@code rewardModel}, each answer is the best of {@code h.bestOf()} samples by it (as
     * {@code rlhf.inference.best-of} serves them; candidate 0 is the plain answer's sample), and the
     * greedy exact match, which best-of-n does not change, is {@code exactMatch} when known.
     */
    static Measure measure(Setup setup, Gpt model, List<String> prompts, Harness h, RewardModel rewardModel, double exactMatch) {
        int eot = setup.tokenizer.endOfTextId();
        SamplingSettings sampling = new SamplingSettings(h.temperature(), h.topK(), 1f, h.maxNew(), 0, eot);
        List<String> asked = new ArrayList<>(), answers = new ArrayList<>();
        List<int[]> promptIds = new ArrayList<>(), answerIds = new ArrayList<>();
        long words = 0, unknown = 0;
        Generator generator = new Generator(model);
        BatchDecoder candidates = rewardModel == null ? null : new BatchDecoder(model);
        for (int i = 0; i < h.answers(); i++) {
            String prompt = prompts.get(i % prompts.size());
            int[] ids = setup.tokenizer.encode(AlpacaFormat.prompt(prompt, ""));
            int[] tokens;
            if (candidates == null) {
                Generation g = generator.generate(ids, sampling.withSeed(9_999L + i));
                tokens = Arrays.copyOfRange(g.tokens(), ids.length, g.tokens().length);
            } else {
                List<int[]> drawn = CandidateChoice.sample(candidates, ids, sampling.withSeed(9_999L + i), h.bestOf());
                tokens = drawn.get(CandidateChoice.best(CandidateChoice.score(rewardModel, ids, drawn)));
            }
            String decoded = setup.tokenizer.decode(tokens);
            String text = AnswerChecker.responseOf(decoded);
            asked.add(prompt);
            answers.add(text);
            promptIds.add(ids);
            answerIds.add(tokens);
            List<String> answerWords = RaterRules.words(text);
            // The token limit cuts an answer that runs past it mid-word: its last word is a fragment, not a word the model made up.
            boolean cut = text.equals(decoded.strip()) && !answerWords.isEmpty();
            words += answerWords.size();
            for (String w : cut ? answerWords.subList(0, answerWords.size() - 1) : answerWords) {
                if (!setup.knownWords.contains(w)) unknown++;
            }
        }
        List<InstructionExample> tasks = setup.tasks.subList(0, Math.min(h.tasks(), setup.tasks.size()));
        double exact = !Double.isNaN(exactMatch) ? exactMatch : ExactMatch.score(model, setup.tokenizer, tasks, ExactMatch.DEFAULT_MAX_NEW_TOKENS, TrainingListener.NONE).score().accuracy();
        return new Measure(asked, answers, promptIds, answerIds, exact, words == 0 ? 0 : (double) unknown / words, (double) words / h.answers());
    }

    /** The share of answers (answer i to prompt i) that satisfy the rule. */
    static double share(RaterRules.Rule rule, List<String> prompts, List<String> answers) {
        int satisfied = 0;
        for (int i = 0; i < answers.size(); i++) if (rule.satisfiedBy(prompts.get(i), answers.get(i))) satisfied++;
        return (double) satisfied / answers.size();
    }

    /** One run: a configuration, a rule, a seed; its rows once {@link #rows} has run it. */
    record Run(Setup setup, Configuration config, RaterRules.Rule rule, long seed, String commit, Machine machine) {

        List<Row> rows() {
            Harness h = config.harness();
            List<String> heldOut = setup.heldOutFor(rule);
            String measureKey = heldOut.size() + "/" + h;
            Measure sft = setup.sftMeasures.computeIfAbsent(measureKey, k -> measure(setup, setup.reference, heldOut, h));
            double sftShare = share(sft);
            List<Row> rows = new ArrayList<>();
            String date = LocalDate.now(ZoneOffset.UTC).toString();
            rows.add(new Row(date, commit, machine.toString(), Machine.load(), config.label(), rule.name(), seed, 0, 0, 0, h.answers(), sftShare,
                    Double.NaN, Double.NaN, sft.exactMatch(), sft.nonWords(), 0, sft.words(), Double.NaN, Double.NaN));
            print(rows.get(0));
            System.out.println("    share by prompt kind: " + shareByKind(sft));
            if (h.bestOf() > 1) {
                // no reward model before the first vote: the SFT model answers plainly under both labels
                rows.add(0, new Row(date, commit, machine.toString(), Machine.load(), plainLabel(config.label()), rule.name(), seed, 0, 0, 0,
                        h.answers(), sftShare, Double.NaN, Double.NaN, sft.exactMatch(), sft.nonWords(), 0, sft.words(), Double.NaN, Double.NaN));
            }

            PolicyUpdate update = new PolicyUpdate(config.settings(), config.label().contains("sftOpen=on") ? setup.allInstructions : setup.instructions);
            Gpt policy = update.newPolicy(setup.reference, seed);
            RewardModel rewardModel = update.newRewardModel(setup.reference, seed);
            int eot = setup.tokenizer.endOfTextId();
            SamplingSettings sampling = new SamplingSettings(h.temperature(), h.topK(), 1f, h.maxNew(), 0, eot);
            Random random = new Random(seed);
            long sampleSeed = seed * 1_000_003L;
            List<TokenizedPreference> fresh = new ArrayList<>();
            List<Integer> freshRaters = new ArrayList<>();
            // Rater checks draw from a generator of their own, so runs without them vote exactly as before.
            Random checks = new Random(seed * 31 + 7);
            long[] goldVotes = new long[h.raters()], goldRight = new long[h.raters()];
            // the pool the online pairs draw fresh prompts from: the prompts votes are drawn from (never the held-out ones),
            // every kind alike as in the trainer's
            List<int[]> pool = BuiltinData.everyKindAlike(setup.votingPool, setup.promptKinds).stream()
                    .map(p -> setup.tokenizer.encode(AlpacaFormat.prompt(p, ""))).toList();
            int votes = 0, pairs = 0, versions = 0;
            double updateSeconds = 0, peakHeapMb = 0;
            for (int checkpoint : h.checkpoints()) {
                while (votes < checkpoint) {
                    int rater = votes % h.raters();
                    boolean atRandom = rater < h.randomRaters();
                    if (h.simulatesRaterChecks() && checks.nextDouble() < h.goldShare()) {
                        goldVotes[rater]++;
                        if (!atRandom || checks.nextBoolean()) goldRight[rater]++;
                        votes++;
                        if (votes % h.votesPerVersion() == 0 && !fresh.isEmpty()) {
                            pairs += fresh.size();
                            updateSeconds += train(update, policy, rewardModel, fresh, freshRaters, pool, goldVotes, goldRight, versions++);
                            peakHeapMb = Math.max(peakHeapMb, peakHeapMb());
                        }
                        continue;
                    }
                    String prompt = setup.votingPool.get(random.nextInt(setup.votingPool.size()));
                    int[] promptIds = setup.tokenizer.encode(AlpacaFormat.prompt(prompt, ""));
                    int[] a, b;
                    if (!h.pairing().equals("independent") && versions > 0) {
                        // the two of k samples the latest reward model is least (uncertain) or most (spread) sure about
                        List<int[]> drawn = CandidateChoice.sample(new BatchDecoder(policy), promptIds, sampling.withSeed(sampleSeed), h.pairingCandidates());
                        sampleSeed += 2;
                        double[] rewards = CandidateChoice.score(rewardModel, promptIds, drawn);
                        List<String> texts = drawn.stream().map(this::text).toList();
                        CandidateChoice.Pair chosen = h.pairing().equals("uncertain") ? CandidateChoice.leastCertain(rewards, texts)
                                : CandidateChoice.mostCertain(rewards, texts);
                        a = drawn.get(chosen == null ? 0 : chosen.first());
                        b = drawn.get(chosen == null ? 1 : chosen.second());
                    } else {
                        Generator generator = new Generator(policy);
                        a = newTokens(generator.generate(promptIds, sampling.withSeed(sampleSeed++)), promptIds.length);
                        b = newTokens(generator.generate(promptIds, sampling.withSeed(sampleSeed++)), promptIds.length);
                    }
                    Preference p = atRandom ? (checks.nextBoolean() ? Preference.FIRST : Preference.SECOND) : rule.choose(prompt, text(a), text(b));
                    votes++;
                    if (p == Preference.FIRST || p == Preference.SECOND) {
                        TokenizedPreference pair = PolicyUpdate.fit(promptIds, p == Preference.FIRST ? a : b, p == Preference.FIRST ? b : a,
                                policy.config().contextLength(), policy.config().vocabSize());
                        if (pair != null) {
                            fresh.add(pair);
                            freshRaters.add(rater);
                        }
                    }
                    if (votes % h.votesPerVersion() == 0 && !fresh.isEmpty()) {
                        pairs += fresh.size();
                        updateSeconds += train(update, policy, rewardModel, fresh, freshRaters, pool, goldVotes, goldRight, versions++);
                        peakHeapMb = Math.max(peakHeapMb, peakHeapMb());
                    }
                }
                Measure m = measure(setup, policy, heldOut, h);
                double perUpdate = versions == 0 ? Double.NaN : updateSeconds / versions;
                double heap = versions == 0 ? Double.NaN : peakHeapMb;
                if (h.bestOf() > 1) {
                    // the same version answering plainly, under the label without bestOf: the row to compare with
                    rows.add(row(date, plainLabel(config.label()), votes, pairs, versions, m, sft, sftShare, policy, perUpdate, heap));
                    m = measure(setup, policy, heldOut, h, rewardModel, m.exactMatch());
                }
                rows.add(row(date, config.label(), votes, pairs, versions, m, sft, sftShare, policy, perUpdate, heap));
                System.out.println("    share by prompt kind: " + shareByKind(m));
                if (versions > 0) System.out.println("    " + rewardModelAgreement(m, sft, rewardModel));
            }
            return rows;
        }

        /**
         * One version from the fresh pairs, each weighted by its rater's reliability from their gold votes so far
         * (the trainer's snapshot at a version); clears them; returns the update's seconds.
         */
        private double train(PolicyUpdate update, Gpt policy, RewardModel rewardModel, List<TokenizedPreference> fresh,
                             List<Integer> freshRaters, List<int[]> pool, long[] goldVotes, long[] goldRight, int version) {
            List<TokenizedPreference> weighted = new ArrayList<>(fresh.size());
            for (int i = 0; i < fresh.size(); i++) {
                int r = freshRaters.get(i);
                weighted.add(fresh.get(i).withWeight(RaterReliability.of("rater-" + r, goldVotes[r], goldRight[r]).weight()));
            }
            if (config.harness().simulatesRaterChecks() && config.settings().weighByReliability()) {
                StringBuilder line = new StringBuilder("    v" + (version + 1) + " weights:");
                for (int r = 0; r < goldVotes.length; r++) line.append(' ').append(RaterReliability.of("rater-" + r, goldVotes[r], goldRight[r]));
                System.out.println(line);
            }
            resetPeaks();
            long t0 = System.nanoTime();
            update.run(policy, setup.reference, rewardModel, null, weighted, null, pool, setup.tokenizer.endOfTextId(), seed * 1_000L + version + 1,
                    PolicyUpdate.Progress.NONE);
            fresh.clear();
            freshRaters.clear();
            return (System.nanoTime() - t0) / 1e9;
        }

        private Row row(String date, String label, int votes, int pairs, int versions, Measure m, Measure sft, double sftShare, Gpt policy,
                        double perUpdate, double heap) {
            double share = share(m);
            Row row = new Row(date, commit, machine.toString(), Machine.load(), label, rule.name(), seed, votes, pairs, versions,
                    config.harness().answers(), share, QualityResults.gapClosed(sftShare, share), winRate(m, sft), m.exactMatch(), m.nonWords(),
                    kl(policy, m), m.words(), perUpdate, heap);
            print(row);
            return row;
        }

        private double share(Measure m) {
            return LoopQuality.share(rule, m.prompts(), m.answers());
        }

        /** "animal 33/34 · job 1/15 · …": the answers of each prompt kind that satisfy the rule. */
        private String shareByKind(Measure m) {
            Map<String, int[]> counts = new TreeMap<>();
            for (int i = 0; i < m.answers().size(); i++) {
                String prompt = m.prompts().get(i);
                int[] c = counts.computeIfAbsent(setup.promptKinds.getOrDefault(prompt, "other"), k -> new int[2]);
                if (rule.satisfiedBy(prompt, m.answers().get(i))) c[0]++;
                c[1]++;
            }
            List<String> parts = new ArrayList<>();
            counts.forEach((kind, c) -> parts.add(kind + " " + c[0] + "/" + c[1]));
            return String.join(" · ", parts);
        }

        /**
         * How often the reward model ranks first the answer the rater prefers, among the decisive
         * (version's answer, SFT model's answer) pairs of the held-out prompts: how well it has learnt the rule.
         */
        private String rewardModelAgreement(Measure version, Measure sft, RewardModel rewardModel) {
            int agreed = 0, decided = 0;
            for (int i = 0; i < version.answers().size(); i++) {
                Preference p = rule.choose(version.prompts().get(i), version.answers().get(i), sft.answers().get(i));
                if (p != Preference.FIRST && p != Preference.SECOND) continue;
                double[] rewards = CandidateChoice.score(rewardModel, version.promptIds().get(i),
                        List.of(version.answerIds().get(i), sft.answerIds().get(i)));
                decided++;
                if (rewards[0] != rewards[1] && (rewards[0] > rewards[1]) == (p == Preference.FIRST)) agreed++;
            }
            return String.format(Locale.ROOT, "reward model agrees with the rater on %d of %d decisive (version, SFT) answer pairs", agreed, decided);
        }

        /** Wins among the decisive pairs (version's answer, SFT model's answer to the same prompt with the same sampling seed). */
        private double winRate(Measure version, Measure sft) {
            int wins = 0, decided = 0;
            for (int i = 0; i < version.answers().size(); i++) {
                Preference p = rule.choose(version.prompts().get(i), version.answers().get(i), sft.answers().get(i));
                if (p == Preference.FIRST) wins++;
                if (p == Preference.FIRST || p == Preference.SECOND) decided++;
            }
            return decided == 0 ? Double.NaN : (double) wins / decided;
        }

        /** KL(version ‖ SFT) per answer, estimated as the mean log-ratio of the version's own sampled answers. */
        private double kl(Gpt policy, Measure m) {
            int eot = setup.tokenizer.endOfTextId();
            double sum = 0;
            for (int from = 0; from < m.answers().size(); from += 8) {
                int to = Math.min(m.answers().size(), from + 8);
                List<int[]> prompts = m.promptIds().subList(from, to);
                List<int[]> answers = m.answerIds().subList(from, to);
                float[] p = SequenceLogProbs.score(policy, prompts, answers, eot);
                float[] q = SequenceLogProbs.score(setup.reference, prompts, answers, eot);
                for (int i = 0; i < p.length; i++) sum += p[i] - q[i];
            }
            return sum / m.answers().size();
        }

        private String text(int[] tokens) {
            return AnswerChecker.responseOf(setup.tokenizer.decode(tokens));
        }

        private static int[] newTokens(Generation g, int promptLength) {
            return Arrays.copyOfRange(g.tokens(), promptLength, g.tokens().length);
        }

        private static void print(Row row) {
            System.out.println(row.line());
        }
    }

    static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) pool.resetPeakUsage();
        }
    }

    /** The heap's peak since {@link #resetPeaks}: the sum of its pools' peaks (an upper bound: pools peak at different times). */
    static double peakHeapMb() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) bytes += pool.getPeakUsage().getUsed();
        }
        return bytes / 1e6;
    }

    /** The commit the harness runs at ({@code git rev-parse --short HEAD}, "+dirty" with uncommitted changes), or "unknown". */
    static String commit() {
        try {
            String head = git("rev-parse", "--short", "HEAD");
            return git("status", "--porcelain", "--untracked-files=no").isEmpty() ? head : head + "+dirty";
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String git(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes()).strip();
        try {
            if (process.waitFor() != 0) throw new IOException("git " + String.join(" ", args) + ": " + text);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return text;
    }

    /** The machine a row was measured on: CPU model, cores the JVM sees, floats per vector. */
    record Machine(String cpu, int cores, int vectorFloats) {
        static Machine here() {
            String cpu = "unknown CPU";
            try {
                cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                        .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(cpu);
            } catch (IOException ignored) {
                // not Linux: the CPU stays unnamed
            }
            return new Machine(cpu.replace("|", "/"), Runtime.getRuntime().availableProcessors(), Engine.FLOATS.length());
        }

        /** The 1-minute load average: the machine is shared, and the seconds per update depend on it. */
        static double load() {
            return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s, %d cores, %d-float vectors", cpu, cores, vectorFloats);
        }
    }
}
