package dev.rlhfloop.trainer;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** Everything the trainer can be told, under {@code rlhf.trainer.*} (see application.properties). */
@ConfigMapping(prefix = "rlhf.trainer")
public interface TrainerConfig {

    /** Where model lines, checkpoints and weight archives live ({@code rlhf.trainer.data-dir}). */
    Path dataDir();

    /** The name of the live model line; replays write other lines. */
    @WithDefault("live")
    String line();

    /** Train a new version once this many preference pairs are waiting. */
    @WithDefault("16")
    int pairsPerVersion();

    /**
     * Updates of a tiny random model the trainer runs once before its first line reads pairs, so that
     * the JIT has compiled the update's code before the first real batch (llm-core's
     * {@code PolicyUpdate.warmUp}); 0 = none. Results do not depend on it, only the first versions' time.
     */
    @WithDefault("15")
    int warmUpRounds();

    /** ... or once the oldest waiting pair has waited this long. */
    @WithDefault("60s")
    Duration maxWait();

    /** Seeds every shuffle, reward head and dropout mask: the same log, seed and settings give the same weights. */
    @WithDefault("1234")
    long seed();

    /** The base of the weights URLs announced on the registry topic. */
    @WithDefault("http://127.0.0.1:8083")
    String publicUrl();

    /**
     * How each update changes the policy: {@code dpo} (on the pairs, against the SFT reference),
     * {@code rloo}, {@code ppo} or {@code grpo} (sampling on the pairs' prompts, scored by the line's
     * reward model, KL penalty to the SFT reference) or {@code kto} (the pairs' answers rated alone),
     * in any case. A replay may choose its own.
     */
    Optional<String> algorithm();

    /**
     * A LoRA rank for the live line's versions: 0 (the default) trains every weight and publishes
     * whole models; above 0 each version is an adapter of that rank over the SFT model, published as
     * PEFT files (docs/loop.md, "LoRA versions"). Read at start, like the algorithm.
     */
    OptionalInt loraRank();

    /**
     * Weights each pair in the reward model's and the policy's losses by its rater's reliability
     * (docs/loop.md, "Reliability as a weight"); off (llm-core's default): every pair weighs 1.
     */
    Optional<Boolean> weighByReliability();

    /*
     * The update's settings below have no defaults here: an absent property takes llm-core's
     * (UpdateSettings.defaults(), the one set the CLI and the experiments use too; TrainerUpdate maps them).
     */

    /**
     * How long the trainer holding the live line may be silent before a standby takes over: the lease
     * group's session timeout (LineLease). At least the broker's group.min.session.timeout.ms (6 s by default).
     */
    @WithDefault("PT10S") // ISO-8601, which plain SmallRye reads too (PolicyUpdateTest); "10s" works when set
    Duration leaseTimeout();

    Dpo dpo();

    Rloo rloo();

    Ppo ppo();

    Grpo grpo();

    Kto kto();

    Reward reward();

    /** RM-labelled online pairs of each DPO version (llm-core's UpdateSettings.Online; unset: its defaults). */
    Online online();

    /**
     * The SFT mix of every policy step (llm-core's {@code UpdateSettings.SftMix}): after it, a step at
     * {@code learning-rate} on the SFT loss of {@code examples} examples of the line's SFT data — the built-in instruction
     * examples, or {@code RLHF_SFT_DATA} for a base model fine-tuned on it; a base model taken as it
     * is has none, and its updates mix nothing, unless {@code data} names what to mix.
     */
    SftMix sftMix();

    Bootstrap bootstrap();

    /**
     * A Hugging Face GPT-2 directory (config.json, model.safetensors, tokenizer.json or vocab.json +
     * merges.txt) that becomes version 1 of a line that has none, instead of a bootstrapped model
     * ({@code RLHF_BASE_MODEL}).
     */
    Optional<Path> baseModel();

    /** Instruction data (the book's JSON list, or JSON Lines) the base model is fine-tuned on first ({@code RLHF_SFT_DATA}). */
    Optional<Path> sftData();

    /**
     * The user's prompt pool (inference's {@code rlhf.inference.prompts-file}, env {@code RLHF_PROMPTS}):
     * when set, online pairs ask only the batch's prompts; unset, also fresh ones of the built-in pool.
     */
    Optional<Path> promptsFile();

    BaseSft baseSft();

    /** DPO of each version on its new pairs; {@code batch-size} is also the reward model's. */
    interface Dpo {
        Optional<Double> beta();

        Optional<Float> learningRate();

        Optional<Float> weightDecay();

        OptionalInt epochs();

        OptionalInt batchSize();
    }

    /**
     * What the algorithms that sample answers share: {@code steps} updates, each sampling
     * {@code samples} answers to {@code prompts-per-step} of the batch's distinct prompts, at most
     * {@code max-new-tokens} each, scored by the line's reward model; {@code beta} is the KL coefficient.
     */
    interface Sampling {
        OptionalInt steps();

        OptionalInt samples();

        OptionalInt promptsPerStep();

        Optional<Double> beta();

        Optional<Float> learningRate();

        OptionalInt maxNewTokens();
    }

    /** RLOO of each version against the line's reward model (algorithm {@code rloo}); its return is reward − β·Σ(log π − log π_ref). */
    interface Rloo extends Sampling {}

    /** PPO of each version against the line's reward model (algorithm {@code ppo}): the sampling settings, plus the critic's and the clipping's. */
    interface Ppo extends Sampling {
        OptionalInt epochs();

        Optional<Double> clipRange();

        Optional<Float> valueLearningRate();

        Optional<Double> valueClipRange();

        Optional<Double> gamma();

        Optional<Double> lambda();
    }

    /** GRPO of each version against the line's reward model (algorithm {@code grpo}): groups of {@code samples} answers per prompt. */
    interface Grpo extends Sampling {
        OptionalInt epochs();

        Optional<Double> clipRange();
    }

    /** KTO of each version on its pairs' answers rated alone (algorithm {@code kto}); batches of {@code dpo.batch-size} ratings. */
    interface Kto {
        Optional<Double> beta();

        Optional<Double> desirableWeight();

        Optional<Double> undesirableWeight();

        Optional<Float> learningRate();

        Optional<Float> weightDecay();

        OptionalInt epochs();
    }

    /**
     * After DPO on the pairs, {@code samples} answers of the policy to each of the batch's prompts,
     * the reward model's best against its worst, trained on at DPO's rate times {@code weight}
     * (0 samples = off); and {@code prompts} fresh prompts of the built-in pool (none with a prompts file).
     */
    interface Online {
        OptionalInt samples();

        OptionalInt prompts();

        Optional<Double> weight();

        OptionalInt maxNewTokens();

        Optional<Float> temperature();

        OptionalInt topK();
    }

    interface SftMix {
        Optional<Float> learningRate();

        OptionalInt examples();

        /**
         * What the mix draws from, over the line's default: {@code builtin} (the built-in training
         * tasks but the open ones, e.g. for a base model the project's bootstrap made) or an
         * instruction file (the book's JSON list, or JSON Lines), whose training split it draws from.
         */
        Optional<String> data();
    }

    /** The reward model; every k-th pair of an update is held out to measure its accuracy ({@code hold-out-every}, 0 = none). */
    interface Reward {
        Optional<Float> learningRate();

        OptionalInt epochs();

        OptionalInt holdOutEvery();
    }

    interface Bootstrap {
        /** Train a first model when the live line has none. */
        @WithDefault("true")
        boolean enabled();

        /**
         * The pipeline's size: {@code auto} (the preset and steps follow the cores training may use:
         * llm-core's BootstrapPlan), a preset ({@code nano}, {@code small}) at the 2-core steps, or
         * {@code tiny} for tests.
         */
        @WithDefault("auto")
        String size();

        /** Pretraining steps (8 windows of the context each), instead of the rule's. */
        Optional<Integer> pretrainSteps();

        /** SFT steps (8 instruction examples each), instead of the rule's. */
        Optional<Integer> sftSteps();

        /**
         * The SFT peak learning rate, instead of the recipe's (2e-4, tuned for its 1,125 steps): a
         * much shorter run needs a higher one to learn the answer format at all.
         */
        Optional<Float> sftLearningRate();
    }

    /** The base model's instruction fine-tuning (with {@code sft-data}): the book's chapter-7 settings by default. */
    interface BaseSft {
        @WithDefault("2")
        int epochs();

        @WithDefault("5e-5")
        float learningRate();

        @WithDefault("8")
        int batchSize();

        /** Examples are cut to this many tokens (and the model's context). */
        @WithDefault("1024")
        int maxLength();
    }
}
