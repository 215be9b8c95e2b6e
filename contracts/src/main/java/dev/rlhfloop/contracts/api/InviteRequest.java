package dev.rlhfloop.contracts.api;

/** {@code POST /api/raters} (admin): invite a person by name; the answer carries the invite link. */
public record InviteRequest(String name) {}
