package dev.rlhfloop.contracts;

import java.util.List;

/** One generated answer: its text, the token ids that spell it, and the model version that wrote it. */
public record Answer(String text, List<Integer> tokenIds, String modelVersion) {
    public Answer {
        new InvalidEventException.Check("Answer")
                .present("text", text)
                .present("tokenIds", tokenIds)
                .text("modelVersion", modelVersion)
                .done();
        tokenIds = List.copyOf(tokenIds);
    }

    public int[] tokenArray() {
        return tokenIds.stream().mapToInt(Integer::intValue).toArray();
    }
}
