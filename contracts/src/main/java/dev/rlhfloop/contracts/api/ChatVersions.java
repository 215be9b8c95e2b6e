package dev.rlhfloop.contracts.api;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code GET /api/chat/versions}: the versions this inference instance can chat as, newest first; {@code latest} answers by default. */
public record ChatVersions(@Schema(required = true) String latest, @Schema(required = true) List<String> versions) {}
