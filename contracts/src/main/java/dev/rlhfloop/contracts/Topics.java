package dev.rlhfloop.contracts;

import java.util.List;

/** The Kafka topics of the RLHF loop; each has one owning producer. */
public final class Topics {
    private Topics() {}

    public static final String GENERATIONS = "rlhf.generations";
    public static final String VOTES = "rlhf.votes";
    public static final String PREFERENCE_PAIRS = "rlhf.preference-pairs";
    public static final String MODEL_VERSIONS = "rlhf.model-versions";
    public static final String TRAINING_EVENTS = "rlhf.training-events";
    /** Raters, their invites and revocations (see Rater); compacted: the latest record per rater id, kept forever. */
    public static final String RATERS = "rlhf.raters";
    /** What the admin set for each model line (see LineControl): compacted, the latest record per line, kept forever. */
    public static final String LINE_CONTROL = "rlhf.line-control";
    /** Never written: its one partition's owner in a line's lease group is the trainer that trains the line (LineLease). */
    public static final String TRAINER_LEASES = "rlhf.trainer-leases";
    /** Thumbs up or down on single answers (see ThumbsEvent), KTO's data; kept forever, like the votes, so replays read them. */
    public static final String THUMBS = "rlhf.thumbs";
    /**
     * Each rater's reliability from the rater checks (see RaterReliability), written by the feedback
     * service as the checks come in; compacted: the latest record per rater id, read by the trainer.
     */
    public static final String RATER_RELIABILITY = "rlhf.rater-reliability";
    /** Diagnostic pings passed through every service (see SmokePing); short-lived. */
    public static final String SMOKE = "rlhf.smoke";

    /**
     * How each topic is created. The feedback log (generations, votes, pairs, thumbs) is kept forever so it
     * can be replayed; the model registry is compacted to the latest record per version key.
     */
    public record Spec(String name, int partitions, boolean compacted, boolean keepForever) {}

    public static final List<Spec> ALL = List.of(
            new Spec(GENERATIONS, 3, false, true),
            new Spec(VOTES, 3, false, true),
            new Spec(PREFERENCE_PAIRS, 3, false, true),
            new Spec(MODEL_VERSIONS, 1, true, true),
            new Spec(TRAINING_EVENTS, 1, false, false),
            new Spec(RATERS, 1, true, true),
            new Spec(LINE_CONTROL, 1, true, true),
            new Spec(TRAINER_LEASES, 1, false, false),
            new Spec(SMOKE, 1, false, false),
            new Spec(THUMBS, 3, false, true),
            new Spec(RATER_RELIABILITY, 1, true, true));
}
