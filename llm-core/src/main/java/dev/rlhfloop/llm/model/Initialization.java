package dev.rlhfloop.llm.model;

/**
 * How {@link Gpt#create(GptConfig, long, Initialization)} draws the first weights.
 *
 * <ul>
 * <li>{@link #GPT2}: GPT-2's (and nanoGPT's) scheme: every matrix and both embeddings
 *     N(0, 0.02), the two projections that write into the residual stream N(0, 0.02/sqrt(2·layers)),
 *     biases zero, norm gains one.
 * <li>{@link #PYTORCH}: PyTorch's module defaults, which the book's {@code GPTModel} (chapter 4–5)
 *     trains from: {@code nn.Embedding} N(0, 1); {@code nn.Linear} weights and biases
 *     U(−1/sqrt(fan_in), 1/sqrt(fan_in)); LayerNorm gain one, shift zero. Meant for an untied
 *     head: a tied head would project onto N(0, 1) embeddings and start with huge logits.
 * </ul>
 */
public enum Initialization {
    GPT2,
    PYTORCH
}
