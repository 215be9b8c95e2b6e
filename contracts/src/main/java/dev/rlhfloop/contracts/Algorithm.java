package dev.rlhfloop.contracts;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/**
 * How a model version was made, or which stage a training event reports. Open for extension:
 * a reader that meets a newer value reads it as {@link #OTHER}.
 */
public enum Algorithm {
    TOKENIZER, PRETRAIN, SFT, REWARD_MODEL, DPO, PPO, RLOO, GRPO, KTO,
    @JsonEnumDefaultValue OTHER
}
