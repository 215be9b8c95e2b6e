package dev.rlhfloop.llm.data;

/** One example for classification fine-tuning: a text and its class label (any string, e.g. "spam"). */
public record LabeledText(String label, String text) {

    public LabeledText {
        if (label == null || label.isBlank()) {
            throw new IllegalArgumentException("a label must not be empty");
        }
        if (text == null) {
            throw new IllegalArgumentException("a text must not be null");
        }
    }
}
