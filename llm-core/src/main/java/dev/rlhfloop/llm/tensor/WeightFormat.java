package dev.rlhfloop.llm.tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How an inference copy of a weight matrix stores its values ({@link PackedMatrix}). Decoding one
 * token reads every weight once, so the bytes per weight set the speed limit.
 */
public enum WeightFormat {
    /** The trained values, 4 bytes each. */
    FP32("fp32"),
    /** bfloat16 (fp32's sign, exponent and top 7 mantissa bits, rounded to nearest even): 2 bytes each. */
    BF16("bf16"),
    /** A signed byte per weight with one fp32 scale per {@link PackedMatrix#INT8_BLOCK} weights of an output (llama.cpp's Q8_0 scheme): ~1.1 bytes each. */
    INT8("int8");

    private final String label;

    WeightFormat(String label) {
        this.label = label;
    }

    /** The lower-case name the CLI and settings use: fp32, bf16, int8. */
    public String label() {
        return label;
    }

    /** A format by its label, case-insensitive. */
    public static WeightFormat parse(String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (WeightFormat format : values()) {
            if (format.label.equals(wanted)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown weight format '" + text + "' (known: "
                + Arrays.stream(values()).map(WeightFormat::label).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return label;
    }
}
