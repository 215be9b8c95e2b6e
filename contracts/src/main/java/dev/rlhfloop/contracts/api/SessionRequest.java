package dev.rlhfloop.contracts.api;

/**
 * {@code POST /api/session}: the body is optional in local mode; in team mode it carries the code
 * of an invite link ({@code /?invite=CODE}).
 */
public record SessionRequest(String invite) {}
