package dev.rlhfloop.contracts;

/**
 * One earlier exchange of a conversation as one side of it saw it: the rater's (or chatter's) prompt
 * and the answer that side gave. A follow-up's generation event carries the turns its model was
 * given, oldest first.
 */
public record Turn(String prompt, String answer) {
    public Turn {
        new InvalidEventException.Check("Turn")
                .present("prompt", prompt)
                .present("answer", answer)
                .done();
    }
}
