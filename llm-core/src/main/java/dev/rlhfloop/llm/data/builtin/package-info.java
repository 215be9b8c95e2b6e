/**
 * The project's own data, generated from a seed with no download: a small world of people, pets,
 * towns and jobs ({@link dev.rlhfloop.llm.data.builtin.World}, {@link dev.rlhfloop.llm.data.builtin.Lexicon}),
 * a pretraining corpus about it, checkable instruction data with a held-out split, and the prompt
 * pool for raters — all through {@link dev.rlhfloop.llm.data.builtin.BuiltinData}.
 * {@link dev.rlhfloop.llm.data.builtin.RaterRules} holds the simulated rater's hidden rules.
 */
package dev.rlhfloop.llm.data.builtin;
