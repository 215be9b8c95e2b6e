package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.Parameter;

import java.util.List;

/** Independent copies of a model's weights: a frozen reference, or a reward model's backbone. */
public final class ModelCopies {

    private ModelCopies() {}

    /** A new model with the same config and weights; training one never changes the other. */
    public static Gpt copy(Gpt source) {
        Gpt copy = Gpt.empty(source.config());
        List<Parameter> from = source.parameters();
        List<Parameter> to = copy.parameters();
        for (int i = 0; i < from.size(); i++) {
            System.arraycopy(from.get(i).data(), 0, to.get(i).data(), 0, from.get(i).size());
        }
        return copy;
    }
}
