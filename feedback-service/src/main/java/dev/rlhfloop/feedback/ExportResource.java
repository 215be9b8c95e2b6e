package dev.rlhfloop.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.ThumbsEvent;
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
import java.util.function.UnaryOperator;
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
 * {@code GET /api/export/{pairs|votes|thumbs|generations}.jsonl}: the feedback topics as JSON Lines,
 * streamed straight from Kafka (from the beginning, or from {@code ?from=} an ISO timestamp, up to
 * the end the topic had when the request came). {@code ?format=trl} writes pairs as TRL's DPO and
 * reward trainers read them ({@code prompt}, {@code chosen}, {@code rejected}) and thumbs as its KTO
 * trainer reads unpaired ratings ({@code prompt}, {@code completion}, {@code label}); the default
 * {@code jsonl} adds the lineage (versions, rater, vote or thumbs, where it sits on the log).
 * {@code ?pseudonymise=true} replaces rater ids by ids stable within this export only. Pairs, votes and
 * thumbs of raters the admin had forgotten are left out; imported pairs carry their source instead of a vote.
 */
@Path("/api/export")
@dev.rlhfloop.service.auth.AdminOnly
public class ExportResource {
    private static final Logger LOG = Logger.getLogger(ExportResource.class);
    /**
     * How one export reads its topic: where a record names its rater (null: no rater), and its line in
     * each format (no trl: jsonl only).
     */
    private record Export(String topic, UnaryOperator<JsonNode> rater, LineMaker jsonl, LineMaker trl) {
    }

    private interface LineMaker {
        /** The line of a record, or null to leave an unreadable one out. */
        JsonNode of(ConsumerRecord<String, String> record) throws IOException;
    }

    private static final Map<String, Export> EXPORTS = Map.of(
            "pairs", new Export(Topics.PREFERENCE_PAIRS, pair -> pair.path("vote").path("rater"), ExportResource::lineage, ExportResource::trl),
            "votes", new Export(Topics.VOTES, vote -> vote.path("rater"), ExportResource::event, null),
            "thumbs", new Export(Topics.THUMBS, thumbs -> thumbs.path("rater"), ExportResource::thumbsLineage, ExportResource::thumbsTrl),
            "generations", new Export(Topics.GENERATIONS, null, ExportResource::event, null));
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
                    + "read). `thumbs` in `jsonl`: prompt, completion (the rated answer), label (true = thumbs up), the version that "
                    + "wrote the answer, comparison, slot, thumbs id, rater, rating time and where it sits on rlhf.thumbs; in `trl`: "
                    + "prompt, completion, label only (what TRL's KTO trainer reads). `votes` and `generations`: the events as they "
                    + "are on their topics, with partition and offset; `trl` is for pairs and thumbs only. The pairs, votes and "
                    + "thumbs of forgotten raters are left out.")
    @APIResponse(responseCode = "200", description = "the records, one JSON object per line",
            content = @Content(mediaType = "application/x-ndjson", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", description = "an unknown export or format, `trl` for votes or generations, or a malformed `from` (`bad_request`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no admin credential (`unauthorized`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "a rater's credential, not the admin's (`forbidden`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response export(@Parameter(schema = @Schema(enumeration = {"pairs", "votes", "thumbs", "generations"})) @PathParam("what") String what,
                           @Parameter(schema = @Schema(enumeration = {"jsonl", "trl"})) @QueryParam("format") @DefaultValue("jsonl") String format,
                           @Parameter(description = "an ISO-8601 instant; records written before it are left out") @QueryParam("from") String from,
                           @Parameter(description = "rater ids replaced by ids stable within this export only")
                           @QueryParam("pseudonymise") @DefaultValue("false") boolean pseudonymise) {
        Export export = EXPORTS.get(what);
        if (export == null) return ApiError.badRequest("unknown export \"" + what + "\": one of pairs, votes, thumbs, generations");
        if (!format.equals("jsonl") && !format.equals("trl")) return ApiError.badRequest("unknown format \"" + format + "\": jsonl or trl");
        boolean trl = format.equals("trl");
        if (trl && export.trl() == null) {
            return ApiError.badRequest("format trl is for pairs (prompt, chosen, rejected) and thumbs (prompt, completion, label) only");
        }
        LineMaker lineOf = trl ? export.trl() : export.jsonl();
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
            long lines = copy(export.topic(), since, record -> {
                String rater = forgotten.isEmpty() || export.rater() == null ? null : raterOf(record, export.rater());
                if (rater != null && forgotten.contains(rater)) return;
                JsonNode line = lineOf.of(record);
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

    /** The rater behind a pair, a vote or a thumbs (null for imported pairs and unreadable records). */
    private static String raterOf(ConsumerRecord<String, String> record, UnaryOperator<JsonNode> locate) {
        try {
            JsonNode rater = locate.apply(Json.MAPPER.readTree(record.value()));
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

    /** The record as a {@code type}, or null (and a warning) when it cannot be read as one. */
    private static <T> T read(ConsumerRecord<String, String> record, Class<T> type) {
        try {
            return Json.MAPPER.readValue(record.value(), type);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("skipping an unreadable %s at %s-%d@%d: %s", type.getSimpleName(), record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            return null;
        }
    }

    private static PreferencePair pair(ConsumerRecord<String, String> record) {
        return read(record, PreferencePair.class);
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

    /** TRL's unpaired preference layout, as its KTO trainer reads it: label true for a thumbs up. */
    private static JsonNode thumbsTrl(ConsumerRecord<String, String> record) {
        ThumbsEvent thumbs = read(record, ThumbsEvent.class);
        return thumbs == null ? null : thumbsTrl(thumbs);
    }

    private static ObjectNode thumbsTrl(ThumbsEvent thumbs) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("prompt", thumbs.prompt());
        line.put("completion", thumbs.answer().text());
        line.put("label", thumbs.up());
        return line;
    }

    private static JsonNode thumbsLineage(ConsumerRecord<String, String> record) {
        ThumbsEvent thumbs = read(record, ThumbsEvent.class);
        if (thumbs == null) return null;
        ObjectNode line = thumbsTrl(thumbs);
        line.put("modelVersion", thumbs.modelVersion());
        line.put("comparisonId", thumbs.comparisonId());
        line.put("slot", thumbs.slot().name());
        line.put("thumbsId", thumbs.thumbsId());
        line.put("rater", thumbs.rater());
        line.put("ratedAt", thumbs.createdAt().toString());
        line.put("partition", record.partition());
        line.put("offset", record.offset());
        // a follow-up's earlier turns of the rated answer's side ([{prompt, answer}], oldest first)
        if (!thumbs.history().isEmpty()) line.set("history", Json.MAPPER.valueToTree(thumbs.history()));
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
