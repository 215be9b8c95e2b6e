package dev.rlhfloop.web;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The gateway's abuse limits (docs/security.md), each in the unit a person thinks in. Defaults let a
 * person rate all evening and {@code ./llm rate} run unhindered; a script that floods is slowed.
 */
@ConfigMapping(prefix = "rlhf.limits")
public interface LimitsConfig {
    /** Votes one rater may cast per hour (bursts of one minute's allowance); {@code ./llm rate} votes up to ~2 per second. */
    @WithDefault("10800")
    int votesPerRaterPerHour();

    /** Votes from one address per hour, all raters together (a classroom behind one NAT). */
    @WithDefault("36000")
    int votesPerAddressPerHour();

    /** Comparisons one rater may start per hour: each costs two generations (LoopIT's judge asks ~3 per second). */
    @WithDefault("18000")
    int comparisonsPerRaterPerHour();

    @WithDefault("36000")
    int comparisonsPerAddressPerHour();

    /** Accepted votes per rater per UTC day (Chatbot Arena keeps the first N per judge per day). */
    @WithDefault("10000")
    int votesPerRaterPerDay();

    /** The largest request body the gateway passes on, in bytes (each service also caps its own). */
    @WithDefault("65536")
    long maxBodyBytes();

    /**
     * Take the client's address from the last X-Forwarded-For entry (set this when a reverse proxy
     * you run is in front; otherwise a client could pick its own address).
     */
    @WithDefault("false")
    boolean trustForwardedFor();
}
