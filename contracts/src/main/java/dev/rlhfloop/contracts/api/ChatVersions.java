package dev.rlhfloop.contracts.api;

import java.util.List;

/** {@code GET /api/chat/versions}: the versions this inference instance can chat as, newest first; {@code latest} answers by default. */
public record ChatVersions(String latest, List<String> versions) {}
