package dev.rlhfloop.feedback.streams;

/** Outcomes of one version's answers against another version's. */
public record HeadToHead(long wins, long losses, long ties, long bothBad) {
    public static final HeadToHead NONE = new HeadToHead(0, 0, 0, 0);

    public HeadToHead plus(Outcome outcome) {
        return switch (outcome) {
            case WIN -> new HeadToHead(wins + 1, losses, ties, bothBad);
            case LOSS -> new HeadToHead(wins, losses + 1, ties, bothBad);
            case TIE -> new HeadToHead(wins, losses, ties + 1, bothBad);
            case BOTH_BAD -> new HeadToHead(wins, losses, ties, bothBad + 1);
        };
    }

    public HeadToHead plus(HeadToHead other) {
        return new HeadToHead(wins + other.wins, losses + other.losses, ties + other.ties, bothBad + other.bothBad);
    }

    public HeadToHead minus(HeadToHead part) {
        return new HeadToHead(Math.max(0, wins - part.wins), Math.max(0, losses - part.losses), Math.max(0, ties - part.ties),
                Math.max(0, bothBad - part.bothBad));
    }

    public long answers() {
        return wins + losses + ties + bothBad;
    }
}
