package dev.rlhfloop.contracts.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer to {@code POST /api/import/pairs}: every pair of the request is on the pairs topic.
 *
 * @param importId names this request's pairs on the topic ({@code import:<importId>:<line>})
 */
public record PairsImported(@Schema(required = true) String importId, @Schema(required = true) String source,
                            @Schema(required = true) int pairs) {}
