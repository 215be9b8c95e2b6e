package dev.rlhfloop.contracts;

/**
 * Marks an answer of a comparison that checks the raters, on its {@link GenerationEvent} only: the
 * public comparison view and its events never show it, so a rater cannot tell such a comparison from
 * any other. The feedback service reads it to keep gold votes out of the pairs and ratings, and to
 * hold a double-shown comparison's pair until both raters agree.
 *
 * @param reference for {@link Kind#GOLD}: whether this answer is the known right one (the other is
 *                  known to be wrong); null otherwise
 */
public record RaterCheck(Kind kind, Boolean reference) {
    public enum Kind {
        /** A checkable task's reference answer against a wrong one. */
        GOLD,
        /** Shown to a second rater once a first one voted: the two votes measure agreement. */
        SECOND_RATER
    }

    public static final RaterCheck SECOND_RATER = new RaterCheck(Kind.SECOND_RATER, null);

    public RaterCheck {
        new InvalidEventException.Check("RaterCheck")
                .present("kind", kind)
                .that(kind != Kind.GOLD || reference != null, "a GOLD check says whether its answer is the reference")
                .done();
    }

    public static RaterCheck gold(boolean reference) {
        return new RaterCheck(Kind.GOLD, reference);
    }

    public boolean gold() {
        return kind == Kind.GOLD;
    }
}
