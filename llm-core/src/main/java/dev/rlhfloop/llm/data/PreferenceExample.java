package dev.rlhfloop.llm.data;

import java.util.Objects;

/** One preference pair in the book's DPO format: a prompt (instruction and input) and a chosen and a rejected answer. */
public record PreferenceExample(String instruction, String input, String chosen, String rejected) {

    public PreferenceExample {
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
        input = input == null ? "" : input;
    }

    public String prompt() {
        return AlpacaFormat.prompt(instruction, input);
    }
}
