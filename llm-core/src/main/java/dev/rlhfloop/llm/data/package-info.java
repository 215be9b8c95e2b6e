/**
 * Data for training: what the model reads, in the shapes it trains on.
 *
 * <ul>
 *   <li>{@link dev.rlhfloop.llm.data.TextCorpus} — plain-text corpora (documents joined with
 *       {@code <|endoftext|>}) to token ids; {@link dev.rlhfloop.llm.data.SlidingWindowLoader} cuts
 *       them into pretraining {@link dev.rlhfloop.llm.data.Batch}es.</li>
 *   <li>{@link dev.rlhfloop.llm.data.InstructionData} reads and writes Alpaca-format files;
 *       {@link dev.rlhfloop.llm.data.InstructionLoader} encodes them with the book's prompt
 *       ({@link dev.rlhfloop.llm.data.AlpacaFormat}) and collates masked, padded batches.</li>
 *   <li>{@link dev.rlhfloop.llm.data.PreferenceData} — chosen/rejected pairs for the reward model and DPO.</li>
 *   <li>{@link dev.rlhfloop.llm.data.AnswerChecker} — exact-match scoring of answers.</li>
 *   <li>Both loaders are {@link dev.rlhfloop.llm.data.BatchLoader}s: shuffled batches epoch after epoch,
 *       from a {@link dev.rlhfloop.llm.data.DataPosition} that, restored, resumes exactly.</li>
 * </ul>
 *
 * The built-in data sets, generated from a seed, are in {@link dev.rlhfloop.llm.data.builtin}.
 */
package dev.rlhfloop.llm.data;
