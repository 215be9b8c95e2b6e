package dev.rlhfloop.contracts.api;

/**
 * The answer to {@code POST /api/import/pairs}: every pair of the request is on the pairs topic.
 *
 * @param importId names this request's pairs on the topic ({@code import:<importId>:<line>})
 */
public record PairsImported(String importId, String source, int pairs) {}
