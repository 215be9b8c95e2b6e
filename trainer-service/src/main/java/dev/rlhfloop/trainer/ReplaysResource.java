package dev.rlhfloop.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.AdminOnly;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Replays of the preference log into new model lines. */
@Path("/api/replays")
public class ReplaysResource {
    @Inject
    TrainerService trainer;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<Map<String, Object>> replays() {
        return trainer.replays().stream().map(Replay::view).toList();
    }

    @AdminOnly
    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response start(String body) {
        ReplayRequest request;
        try {
            request = parse(body);
        } catch (IllegalArgumentException e) {
            return ApiError.badRequest(e.getMessage());
        }
        try {
            Replay replay = trainer.startReplay(request);
            return Response.accepted(replay.view()).build();
        } catch (TrainerService.BusyException e) {
            return ApiError.response(ApiError.Code.TRAINER_BUSY, e.getMessage());
        } catch (IllegalArgumentException e) {
            return ApiError.badRequest(e.getMessage());
        }
    }

    /** Reads and checks the body; every problem becomes a reason a person can act on. */
    static ReplayRequest parse(String body) {
        if (body == null || body.isBlank()) throw new IllegalArgumentException("the body must be JSON with \"from\": BEGINNING, TIMESTAMP or OFFSETS");
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (Exception e) {
            throw new IllegalArgumentException("the body is not valid JSON");
        }
        if (json == null || !json.isObject()) throw new IllegalArgumentException("the body must be a JSON object");
        String fromText = text(json, "from");
        if (fromText == null) throw new IllegalArgumentException("\"from\" is missing: BEGINNING, TIMESTAMP or OFFSETS");
        ReplayRequest.From from;
        try {
            from = ReplayRequest.From.valueOf(fromText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"from\" must be BEGINNING, TIMESTAMP or OFFSETS, was '" + fromText + "'");
        }
        String line = text(json, "line");
        if (line != null && !line.matches(ReplayRequest.LINE_PATTERN)) {
            throw new IllegalArgumentException("\"line\" must be 1-40 lower-case letters, digits, '-' or '_', starting with a letter or digit; was '" + line + "'");
        }
        String algorithmText = text(json, "algorithm");
        Algorithm algorithm = null;
        if (algorithmText != null) {
            algorithm = TrainerUpdate.algorithmNamed(algorithmText).map(TrainerUpdate::recorded).orElseThrow(() -> new IllegalArgumentException("\"algorithm\" must be DPO or RLOO, was '" + algorithmText + "'"));
        }
        Instant timestamp = null;
        Long fromOffset = null;
        Long toOffset = null;
        Map<Integer, Long> fromOffsets = null;
        Map<Integer, Long> toOffsets = null;
        switch (from) {
            case BEGINNING -> { }
            case TIMESTAMP -> {
                String text = text(json, "timestamp");
                if (text == null) throw new IllegalArgumentException("\"timestamp\" (ISO-8601, e.g. 2026-11-29T12:00:00Z) is needed with from TIMESTAMP");
                try {
                    timestamp = Instant.parse(text);
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("\"timestamp\" is not an ISO-8601 instant (e.g. 2026-11-29T12:00:00Z): '" + text + "'");
                }
            }
            case OFFSETS -> {
                fromOffset = offset(json, "fromOffset");
                toOffset = offset(json, "toOffset");
                fromOffsets = offsets(json, "fromOffsets");
                toOffsets = offsets(json, "toOffsets");
                if (fromOffsets == null && toOffsets == null) {
                    if (fromOffset == null) {
                        throw new IllegalArgumentException("from OFFSETS needs \"fromOffset\" (every partition) or \"fromOffsets\" "
                                + "(per partition, e.g. {\"0\": 4, \"1\": 2, \"2\": 5})");
                    }
                    if (toOffset != null && toOffset <= fromOffset) {
                        throw new IllegalArgumentException("\"toOffset\" (" + toOffset + ") must be greater than \"fromOffset\" (" + fromOffset + ")");
                    }
                } else {
                    if (fromOffset != null || toOffset != null) {
                        throw new IllegalArgumentException("give either \"fromOffset\"/\"toOffset\" (every partition) or "
                                + "\"fromOffsets\"/\"toOffsets\" (per partition), not both");
                    }
                    if (fromOffsets == null) fromOffsets = Map.of();
                    for (Map.Entry<Integer, Long> to : (toOffsets == null ? Map.<Integer, Long>of() : toOffsets).entrySet()) {
                        long start = fromOffsets.getOrDefault(to.getKey(), 0L);
                        if (to.getValue() < start) {
                            throw new IllegalArgumentException("\"toOffsets\" of partition " + to.getKey() + " (" + to.getValue()
                                    + ") is before its start (" + start + ")");
                        }
                    }
                }
            }
        }
        String parent = text(json, "parent");
        if (parent != null && parent.isBlank()) throw new IllegalArgumentException("\"parent\" must name a version, e.g. \"1\" or \"7\"");
        return new ReplayRequest(from, timestamp, fromOffset, toOffset, fromOffsets, toOffsets, parent, line, algorithm);
    }

    /**
     * A per-partition offset map: keys are partition numbers ("0") or, as in a version's
     * {@code offsets}, {@code rlhf.preference-pairs:0}; values whole numbers >= 0.
     */
    private static Map<Integer, Long> offsets(JsonNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isObject()) {
            throw new IllegalArgumentException("\"" + field + "\" must be an object of offsets per partition, e.g. {\"0\": 4, \"1\": 2}");
        }
        Map<Integer, Long> offsets = new java.util.TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String key = entry.getKey();
            String number = key.startsWith(Topics.PREFERENCE_PAIRS + ":") ? key.substring(Topics.PREFERENCE_PAIRS.length() + 1) : key;
            if (!number.matches("\\d{1,6}")) {
                throw new IllegalArgumentException("\"" + field + "\" keys must be partitions of " + Topics.PREFERENCE_PAIRS
                        + " (\"0\" or \"" + Topics.PREFERENCE_PAIRS + ":0\"), was '" + key + "'");
            }
            JsonNode value = entry.getValue();
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
                throw new IllegalArgumentException("\"" + field + "\" of partition " + number + " must be a whole number >= 0, was " + value);
            }
            if (offsets.put(Integer.parseInt(number), value.asLong()) != null) {
                throw new IllegalArgumentException("\"" + field + "\" names partition " + number + " twice");
            }
        }
        return offsets;
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) throw new IllegalArgumentException("\"" + field + "\" must be a string");
        return node.asText();
    }

    private static Long offset(JsonNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.canConvertToLong() || !node.isIntegralNumber() || node.asLong() < 0) {
            throw new IllegalArgumentException("\"" + field + "\" must be a whole number >= 0, was " + node);
        }
        return node.asLong();
    }
}
