package dev.rlhfloop.inference;

/** Which model versions write the two answers of a comparison ({@code rlhf.inference.compare}). */
public enum CompareMode {
    /** Two samples of the current version. */
    LATEST,
    /** The current version against the one it replaced (two samples of the current one until there is one). */
    LATEST_VS_PREVIOUS,
    /** The current version against the first version of the line, the SFT baseline. */
    LATEST_VS_BASELINE
}
