package dev.rlhfloop.inference;

import dev.rlhfloop.llm.rlhf.CandidateChoice;
import dev.rlhfloop.llm.rlhf.RewardModel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;

/**
 * The latest reward model: the one published with the newest version that has one, hot-loaded
 * beside the policy ({@link ModelVersionWatcher}) when answers are chosen by it
 * ({@code rlhf.inference.best-of} above 1, or {@code rlhf.inference.pairing=uncertain}); otherwise
 * none is downloaded, and it costs no memory.
 */
@ApplicationScoped
public class RewardModels {

    /** A reward model and the version it was published with. */
    public record Loaded(String versionId, RewardModel model) {}

    @Inject
    InferenceConfig config;

    private volatile Loaded latest;

    /** Whether answers are chosen by a reward model, so versions' reward models are to be loaded. */
    public boolean wanted() {
        return config.bestOf() > 1 || config.pairing() == InferenceConfig.Pairing.UNCERTAIN;
    }

    /** Makes {@code model} the latest (the newest version's: versions are loaded in their order). */
    public void serve(String versionId, RewardModel model) {
        latest = new Loaded(versionId, model);
    }

    public Optional<Loaded> latest() {
        return Optional.ofNullable(latest);
    }

    /**
     * The rewards of candidate answers to one prompt. One forward at a time per reward model: its
     * backbone keeps the activations of its last forward.
     */
    static double[] score(Loaded rewardModel, int[] prompt, List<int[]> candidates) {
        synchronized (rewardModel.model()) {
            return CandidateChoice.score(rewardModel.model(), prompt, candidates);
        }
    }
}
