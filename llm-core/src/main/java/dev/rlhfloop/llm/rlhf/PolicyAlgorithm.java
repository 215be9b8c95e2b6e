package dev.rlhfloop.llm.rlhf;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How a {@link PolicyUpdate} changes the policy once the reward model has trained on the batch.
 * An algorithm is a value of {@link UpdateSettings}; {@link PolicyUpdate} dispatches on it in one
 * place, so a new one is a constant here, its settings in {@link UpdateSettings} and one case there.
 */
public enum PolicyAlgorithm {
    /** Direct preference optimisation on the pairs, against the frozen reference. */
    DPO("dpoLoss"),
    /** REINFORCE leave-one-out on the pairs' prompts, against the reward model, KL penalty to the reference. */
    RLOO("rlooLoss"),
    /** PPO on the pairs' prompts against the reward model: a critic (carried like the reward model), GAE, clipped ratio, per-token KL. */
    PPO("ppoLoss"),
    /** GRPO on the pairs' prompts against the reward model: advantages relative to a group of answers per prompt, no critic. */
    GRPO("grpoLoss"),
    /** KTO on the pairs' answers rated alone (chosen = thumbs up, rejected = thumbs down), against the frozen reference. */
    KTO("ktoLoss");

    private final String lossMetric;

    PolicyAlgorithm(String lossMetric) {
        this.lossMetric = lossMetric;
    }

    /** The metric that stands for an update's loss in progress reports and logs. */
    public String lossMetric() {
        return lossMetric;
    }

    /** The algorithm named {@code text} ({@code dpo}, {@code RLOO}, ...: any case, spaces around ignored). */
    public static Optional<PolicyAlgorithm> named(String text) {
        String name = text == null ? "" : text.strip();
        return Arrays.stream(values()).filter(a -> a.name().equalsIgnoreCase(name)).findFirst();
    }

    /** The names, lower case, for messages: "dpo, rloo, ppo, grpo, kto". */
    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(a -> a.name().toLowerCase(Locale.ROOT)).toList());
    }
}
