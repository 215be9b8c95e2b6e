package dev.rlhfloop.contracts;

import java.util.Arrays;
import java.util.List;

/**
 * The meters the services register for operators, served at {@code /q/metrics}: one list that the
 * services register from, and that their tests, the Grafana dashboard's test and docs/operations.md
 * are checked against. {@code meterName} is Micrometer's dotted name; {@code prometheusName} the
 * series Prometheus scrapes (a timer's also has {@code _bucket}, {@code _count}, {@code _sum} and
 * {@code _max}).
 */
public enum OperatorMeter {
    COMPARISONS_CREATED("inference-service", "rlhf.comparisons.created", "rlhf_comparisons_created_total"),
    TIME_TO_FIRST_TOKEN("inference-service", "rlhf.generation.time.to.first.token", "rlhf_generation_time_to_first_token_seconds"),
    TOKEN_LATENCY("inference-service", "rlhf.generation.token.latency", "rlhf_generation_token_latency_seconds"),
    TOKENS_GENERATED("inference-service", "rlhf.generation.tokens", "rlhf_generation_tokens_total"),
    GENERATION_QUEUE_DEPTH("inference-service", "rlhf.generation.queue.depth", "rlhf_generation_queue_depth"),
    GENERATIONS_ACTIVE("inference-service", "rlhf.generations.active", "rlhf_generations_active"),
    MODEL_LOAD("inference-service", "rlhf.model.load", "rlhf_model_load_seconds"),
    MODEL_SERVED("inference-service", "rlhf.model.served", "rlhf_model_served"),
    VOTES("feedback-service", "rlhf.votes", "rlhf_votes_total"),
    TRAINING_STEP("trainer-service", "rlhf.training.step", "rlhf_training_step_seconds"),
    TRAINING_LOSS("trainer-service", "rlhf.training.loss", "rlhf_training_loss"),
    TRAINING_UPDATE("trainer-service", "rlhf.training.update", "rlhf_training_update_seconds"),
    TRAINER_LAG("trainer-service", "rlhf.trainer.consumer.lag", "rlhf_trainer_consumer_lag_records");

    private final String service;
    private final String meterName;
    private final String prometheusName;

    OperatorMeter(String service, String meterName, String prometheusName) {
        this.service = service;
        this.meterName = meterName;
        this.prometheusName = prometheusName;
    }

    /** The service (its module and docker-compose name) that registers the meter. */
    public String service() {
        return service;
    }

    public String meterName() {
        return meterName;
    }

    public String prometheusName() {
        return prometheusName;
    }

    public static List<OperatorMeter> of(String service) {
        return Arrays.stream(values()).filter(m -> m.service.equals(service)).toList();
    }
}
