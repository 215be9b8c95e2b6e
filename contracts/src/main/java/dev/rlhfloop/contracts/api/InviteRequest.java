package dev.rlhfloop.contracts.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code POST /api/raters} (admin): invite a person by name; the answer carries the invite link. */
public record InviteRequest(@Schema(required = true, description = "at most 100 characters; RatersResource checks it") String name) {}
