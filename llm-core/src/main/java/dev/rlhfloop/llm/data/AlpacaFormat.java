package dev.rlhfloop.llm.data;

/** The book's prompt template (Stanford Alpaca's): the text a model is trained and asked with. */
public final class AlpacaFormat {

    public static final String PREAMBLE =
            "Below is an instruction that describes a task. Write a response that appropriately completes the request.";
    public static final String RESPONSE_HEADER = "\n\n### Response:\n";

    private AlpacaFormat() {}

    /** The book's {@code format_input}: preamble, instruction, and the input section only if there is an input. */
    public static String input(String instruction, String input) {
        String text = PREAMBLE + "\n\n### Instruction:\n" + instruction;
        return input == null || input.isEmpty() ? text : text + "\n\n### Input:\n" + input;
    }

    /**
     * The template's fixed text: the preamble and every section header. A tokenizer trained with it
     * encodes the preamble in about 25 tokens instead of about 80 (its words are rare in a small
     * corpus), which makes every fine-tuning example and prompt cheaper.
     */
    public static String template() {
        return input("", "") + "\n\n### Input:\n" + RESPONSE_HEADER;
    }

    /** {@link #input} followed by the response header, after which the answer begins. */
    public static String prompt(String instruction, String input) {
        return input(instruction, input) + RESPONSE_HEADER;
    }
}
