package dev.rlhfloop.llm.data;

import java.util.Objects;

/**
 * One entry in the book's Alpaca format. {@code input} is empty when the instruction stands alone;
 * {@code task} names the kind of built-in task ("add", "plural", "fact", ...) and is empty for
 * data from elsewhere.
 */
public record InstructionExample(String instruction, String input, String output, String task) {

    public InstructionExample {
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(output, "output");
        input = input == null ? "" : input;
        task = task == null ? "" : task;
    }

    public InstructionExample(String instruction, String input, String output) {
        this(instruction, input, output, "");
    }

    /** The Alpaca prompt up to and including {@code "### Response:\n"}: what the model sees before it answers. */
    public String prompt() {
        return AlpacaFormat.prompt(instruction, input);
    }

    /** Identifies the question (instruction and input), to keep held-out questions out of the training set. */
    public String questionKey() {
        return instruction + '\u0000' + input;
    }
}
