package dev.rlhfloop.contracts;

/** The Kafka topics of the RLHF loop; each has one owning producer. */
public final class Topics {
    private Topics() {}

    public static final String GENERATIONS = "rlhf.generations";
    public static final String VOTES = "rlhf.votes";
    public static final String PREFERENCE_PAIRS = "rlhf.preference-pairs";
    public static final String MODEL_VERSIONS = "rlhf.model-versions";
    public static final String TRAINING_EVENTS = "rlhf.training-events";
}
