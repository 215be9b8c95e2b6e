package dev.rlhfloop.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.service.ApiError;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;

/**
 * {@code GET /api/export/{pairs|votes|generations}.jsonl}: the feedback topics as JSON Lines,
 * streamed straight from Kafka (from the beginning, or from {@code ?from=} an ISO timestamp, up to
 * the end the topic had when the request came). {@code ?format=trl} writes pairs as TRL's DPO and
 * reward trainers read them ({@code prompt}, {@code chosen}, {@code rejected}); the default
 * {@code jsonl} adds the lineage (versions, rater, vote, where it sits on the log).
 * {@code ?pseudonymise=true} replaces rater ids by ids stable within this export only. Pairs and votes
 * of raters the admin had forgotten are left out; imported pairs carry their source instead of a vote.
 */
@Path("/api/export")
@dev.rlhfloop.service.auth.AdminOnly
public class ExportResource {
    private static final Logger LOG = Logger.getLogger(ExportResource.class);
    private static final Map<String, String> TOPICS = Map.of(
            "pairs", Topics.PREFERENCE_PAIRS, "votes", Topics.VOTES, "generations", Topics.GENERATIONS);
    private static final Duration POLL = Duration.ofMillis(500);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @jakarta.inject.Inject
    RaterDirectory directory;

    @GET
    @Path("/{what}.jsonl")
    @Operation(summary = "The feedback topics as JSON Lines, streamed from Kafka",
            description = "One JSON object per line, from the beginning of the topic (or from `from`) up to its end when the request "
                    + "came. `pairs` in `jsonl`: prompt, chosen, rejected, both versions, comparison, vote id, rater, vote time and "
                    + "where the vote sits on rlhf.votes; in `trl`: prompt, chosen, rejected only (what TRL's DPO and reward trainers "
                    + "read). `votes` and `generations`: the events as they are on their topics, with partition and offset.")
    @APIResponse(responseCode = "200", description = "the records, one JSON object per line",
            content = @Content(mediaType = "application/x-ndjson", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", description = "an unknown export or format, or a malformed `from` (`bad_request`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no admin credential (`unauthorized`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "a rater's credential, not the admin's (`forbidden`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response export(@Parameter(schema = @Schema(enumeration = {"pairs", "votes", "generations"})) @PathParam("what") String what,
                           @Parameter(schema = @Schema(enumeration = {"jsonl", "trl"})) @QueryParam("format") @DefaultValue("jsonl") String format,
                           @Parameter(description = "an ISO-8601 instant; records written before it are left out") @QueryParam("from") String from,
                           @Parameter(description = "rater ids replaced by ids stable within this export only")
                           @QueryParam("pseudonymise") @DefaultValue("false") boolean pseudonymise) {
        String topic = TOPICS.get(what);
        if (topic == null) return ApiError.badRequest("unknown export \"" + what + "\": one of pairs, votes, generations");
        if (!format.equals("jsonl") && !format.equals("trl")) return ApiError.badRequest("unknown format \"" + format + "\": jsonl or trl");
        boolean trl = format.equals("trl");
        if (trl && !what.equals("pairs")) return ApiError.badRequest("format trl is for pairs only (prompt, chosen, rejected)");
        Instant since;
        try {
            since = from == null || from.isBlank() ? null : Instant.parse(from.strip());
        } catch (DateTimeParseException e) {
            return ApiError.badRequest("from must be an ISO-8601 instant such as 2026-12-06T07:00:00Z, was \"" + from + "\"");
        }
        Pseudonyms raters = pseudonymise ? Pseudonyms.fresh() : null;
        directory.awaitLoaded();
        java.util.Set<String> forgotten = directory.forgotten();
        StreamingOutput body = out -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            long lines = copy(topic, since, record -> {
                String rater = forgotten.isEmpty() ? null : raterOf(record, what);
                if (rater != null && forgotten.contains(rater)) return;
                JsonNode line = trl ? trl(record) : what.equals("pairs") ? lineage(record) : event(record);
                if (line == null) return;
                if (raters != null) raters.replaceIn(line);
                writer.write(Json.MAPPER.writeValueAsString(line));
                writer.write('\n');
            });
            writer.flush();
            LOG.infof("exported %d %s (%s)%s", lines, what, format, since == null ? "" : " since " + since);
        };
        return Response.ok(body, "application/x-ndjson")
                .header("Content-Disposition", "attachment; filename=\"" + what + (trl ? "-trl" : "") + ".jsonl\"")
                .build();
    }

    private interface LineWriter {
        void write(ConsumerRecord<String, String> record) throws IOException;
    }

    /** Every record of {@code topic} from {@code since} (or the beginning) up to its end now. */
    private long copy(String topic, Instant since, LineWriter lines) throws IOException {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            consumer.seekToBeginning(partitions);
            if (since != null) {
                Map<TopicPartition, OffsetAndTimestamp> at = consumer.offsetsForTimes(
                        partitions.stream().collect(java.util.stream.Collectors.toMap(p -> p, p -> since.toEpochMilli())));
                at.forEach((partition, offset) -> consumer.seek(partition, offset == null ? end.get(partition) : offset.offset()));
            }
            long written = 0;
            // The end offsets are the last stable ones (read_committed), so the positions reach them.
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                    if (record.offset() >= end.get(new TopicPartition(record.topic(), record.partition())) || record.value() == null) continue;
                    lines.write(record);
                    written++;
                }
            }
            return written;
        }
    }

    /** The rater behind a pair or a vote (null for generations, imported pairs and unreadable records). */
    private static String raterOf(ConsumerRecord<String, String> record, String what) {
        if (what.equals("generations")) return null;
        try {
            JsonNode event = Json.MAPPER.readTree(record.value());
            JsonNode rater = what.equals("pairs") ? event.path("vote").path("rater") : event.path("rater");
            return rater.isTextual() ? rater.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static JsonNode event(ConsumerRecord<String, String> record) throws IOException {
        JsonNode event = Json.MAPPER.readTree(record.value());
        if (event instanceof ObjectNode object) {
            object.put("partition", record.partition());
            object.put("offset", record.offset());
        }
        return event;
    }

    private static PreferencePair pair(ConsumerRecord<String, String> record) {
        try {
            return Json.MAPPER.readValue(record.value(), PreferencePair.class);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("skipping an unreadable pair at %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
            return null;
        }
    }

    private static JsonNode trl(ConsumerRecord<String, String> record) {
        PreferencePair pair = pair(record);
        if (pair == null) return null;
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("prompt", pair.prompt());
        line.put("chosen", pair.chosen().text());
        line.put("rejected", pair.rejected().text());
        return line;
    }

    private static JsonNode lineage(ConsumerRecord<String, String> record) {
        PreferencePair pair = pair(record);
        if (pair == null) return null;
        ObjectNode line = (ObjectNode) trl(record);
        line.put("chosenVersion", pair.chosen().modelVersion());
        line.put("rejectedVersion", pair.rejected().modelVersion());
        line.put("comparisonId", pair.comparisonId());
        if (pair.vote() == null) {
            line.put("source", pair.source().name());
            line.put("importId", pair.source().importId());
            line.put("sourceLine", pair.source().line());
            line.put("importedAt", pair.source().importedAt().toString());
            return line;
        }
        line.put("voteId", pair.vote().voteId());
        line.put("rater", pair.vote().rater());
        line.put("votedAt", pair.vote().votedAt().toString());
        line.put("votePartition", pair.vote().partition());
        line.put("voteOffset", pair.vote().offset());
        // a follow-up's earlier turns, each side's own ({"chosen": [{prompt, answer}], "rejected": [...]})
        if (pair.history() != null) line.set("history", Json.MAPPER.valueToTree(pair.history()));
        return line;
    }

    /** Rater ids replaced by a keyed hash whose key lives only as long as one export. */
    private record Pseudonyms(byte[] key) {
        static Pseudonyms fresh() {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            return new Pseudonyms(key);
        }

        void replaceIn(JsonNode line) {
            if (line instanceof ObjectNode object && object.hasNonNull("rater")) {
                object.put("rater", of(object.get("rater").asText()));
            }
        }

        private String of(String rater) {
            try {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                digest.update(key);
                return "rater-" + HexFormat.of().formatHex(digest.digest(rater.getBytes(StandardCharsets.UTF_8)), 0, 6);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
