package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.RaterCheck;
import java.util.List;

/** Two answers to one prompt, in slot order (A, B). Which version wrote which is revealed after a vote. */
final class Comparison {
    private final String id;
    private final String prompt;
    private final List<AnswerStream> answers;
    private volatile boolean voted;
    /** Set before its answers are generated when the comparison checks the raters; never shown to them. */
    private volatile RaterCheck check;

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

    RaterCheck check() {
        return check;
    }

    void check(RaterCheck check) {
        this.check = check;
    }
}
