package dev.rlhfloop.contracts.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A rater session ({@code POST /api/session}, {@code GET /api/session}). API clients send
 * {@code Authorization: Bearer <token>}; the browser gets the same token as an HttpOnly cookie.
 *
 * @param raterId the rater every vote of this session is recorded under; null for an admin without a rater session
 * @param name    the invited rater's name; null for an anonymous rater
 * @param token   present only when the session is created
 * @param admin   whether the caller holds the admin token (the browser app shows admin actions then)
 * @param mode    "local" (anyone gets an anonymous session) or "invite" (only invited raters)
 */
public record Session(@Schema(required = true, nullable = true) String raterId, @Schema(required = true, nullable = true) String name,
                      @Schema(required = true, nullable = true) String token, @Schema(required = true) boolean admin,
                      @Schema(required = true) String mode) {}
