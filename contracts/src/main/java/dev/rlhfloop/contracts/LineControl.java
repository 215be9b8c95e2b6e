package dev.rlhfloop.contracts;

import java.time.Instant;

/**
 * What the admin set for one model line, as the compacted topic {@link Topics#LINE_CONTROL} keeps it,
 * keyed by {@link #line}: the latest record per line is in force on every instance. A line without a
 * record is {@link #none}: its newest version served, training on, every version kept.
 *
 * @param pinnedVersion the version inference serves as the line's latest (a roll-back); null serves the newest
 * @param paused        the trainer makes no new versions of the line; its pairs wait on the log
 * @param versionsKept  how many of the line's newest versions the trainer keeps on disk (the pinned one and
 *                      the baseline are kept besides); null keeps every version
 * @param served        (schema 2; absent: false) a line other than the live one whose latest version (the pinned one,
 *                      else the newest) every inference instance keeps resident and pits against the live line's in
 *                      {@code line-vs-line} comparisons
 */
public record LineControl(int schemaVersion, String line, String pinnedVersion, boolean paused, Integer versionsKept, Instant updatedAt,
                          boolean served) {
    /** 2 added {@code served}. */
    public static final int SCHEMA_VERSION = 2;

    /**
     * The newest versions of a line every inference instance keeps resident, and downloads when it
     * starts: the trainer never prunes them, so {@link #versionsKept} is at least this.
     */
    public static final int RESIDENT_VERSIONS = 4;

    public LineControl {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("LineControl")
                .text("line", line)
                .that(pinnedVersion == null || !pinnedVersion.isBlank(), "pinnedVersion is blank (null unpins)")
                .that(versionsKept == null || versionsKept >= RESIDENT_VERSIONS, "versionsKept is below " + RESIDENT_VERSIONS)
                .present("updatedAt", updatedAt)
                .done();
    }

    /** A control that serves no line beside the live one (as schema 1 wrote them). */
    public LineControl(int schemaVersion, String line, String pinnedVersion, boolean paused, Integer versionsKept, Instant updatedAt) {
        this(schemaVersion, line, pinnedVersion, paused, versionsKept, updatedAt, false);
    }

    /** A line the admin never set: the newest version served, training on, nothing pruned, not served beside the live line. */
    public static LineControl none(String line) {
        return new LineControl(SCHEMA_VERSION, line, null, false, null, Instant.EPOCH);
    }

    /** This control with the line served beside the live one, or not, from {@code at} on; the rest as it was. */
    public LineControl servedBeside(boolean serve, Instant at) {
        return new LineControl(SCHEMA_VERSION, line, pinnedVersion, paused, versionsKept, at, serve);
    }

    public boolean isPinned() {
        return pinnedVersion != null;
    }

    public String key() {
        return line;
    }
}
