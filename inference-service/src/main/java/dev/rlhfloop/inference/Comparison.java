package dev.rlhfloop.inference;

import java.util.List;

/** Two answers to one prompt, in slot order (A, B). Which version wrote which is revealed after a vote. */
final class Comparison {
    private final String id;
    private final String prompt;
    private final List<AnswerStream> answers;
    private volatile boolean voted;

    Comparison(String id, String prompt, List<AnswerStream> answers) {
        this.id = id;
        this.prompt = prompt;
        this.answers = List.copyOf(answers);
    }

    String id() {
        return id;
    }

    String prompt() {
        return prompt;
    }

    List<AnswerStream> answers() {
        return answers;
    }

    boolean voted() {
        return voted;
    }

    void markVoted() {
        voted = true;
    }
}
