package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.api.PairsImport;
import dev.rlhfloop.contracts.api.PairsImported;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.AdminOnly;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/import/pairs} (admin): preference pairs from a file onto {@code rlhf.preference-pairs},
 * so a line can start from existing data. This service stays the topic's one writer; each pair carries
 * its source (file, line, import id) instead of a vote, and the trainer trains on it like a voted one.
 */
@Path("/api/import")
@AdminOnly
public class ImportResource {
    private static final Logger LOG = Logger.getLogger(ImportResource.class);
    /** What an imported answer's version says: no served version wrote it. */
    static final String IMPORTED_VERSION = "import";

    @Inject
    PairImporter importer;

    @POST
    @Path("/pairs")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Import preference pairs (all or nothing)",
            description = "Publishes the pairs to rlhf.preference-pairs in one Kafka transaction, each marked with its source; "
                    + "one bad pair refuses the request, naming its line, and nothing is published.")
    @APIResponse(responseCode = "201", description = "every pair is on the topic",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PairsImported.class)))
    @APIResponse(responseCode = "400", description = "a bad pair, named by its line (`bad_request`); nothing was published",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no admin credential (`unauthorized`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "a rater's credential, not the admin's (`forbidden`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "Kafka did not take the pairs (`broker_unavailable`); nothing was published",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response importPairs(PairsImport request) {
        if (request == null) return ApiError.badRequest("the body is missing: {\"source\": ..., \"pairs\": [...]}");
        if (request.pairs() == null || request.pairs().isEmpty()) return ApiError.badRequest("pairs is missing: no pairs to import");
        if (request.pairs().size() > PairsImport.MAX_PAIRS) {
            return ApiError.badRequest("pairs has " + request.pairs().size() + " pairs, at most " + PairsImport.MAX_PAIRS + " per request");
        }
        if (request.source() != null && request.source().length() > PairsImport.MAX_SOURCE) {
            return ApiError.badRequest("source is longer than " + PairsImport.MAX_SOURCE + " characters");
        }
        String importId = UUID.randomUUID().toString();
        String source = request.source() == null || request.source().isBlank() ? "import" : request.source().strip();
        Instant now = Instant.now();
        List<PreferencePair> pairs = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < request.pairs().size(); i++) {
            PairsImport.ImportedPair pair = request.pairs().get(i);
            int line = pair == null || pair.line() == null || pair.line() < 1 ? i + 1 : pair.line();
            if (pair == null) {
                bad.add("line " + line + ": not a pair");
                continue;
            }
            List<String> problems = pair.problems();
            if (!problems.isEmpty()) {
                bad.add("line " + line + ": " + String.join(", ", problems));
                continue;
            }
            pairs.add(PreferencePair.imported(pair.prompt(), answer(pair.chosen()), answer(pair.rejected()),
                    new PreferencePair.Source(importId, source, line, now)));
        }
        if (!bad.isEmpty()) {
            String shown = bad.stream().limit(5).collect(Collectors.joining("; "));
            return ApiError.badRequest((bad.size() > 5 ? shown + "; and " + (bad.size() - 5) + " more" : shown) + " (nothing was imported)");
        }
        importer.publish(pairs);
        LOG.infof("imported %d pair(s) from %s as %s", pairs.size(), source, importId);
        return Response.status(Response.Status.CREATED).entity(new PairsImported(importId, source, pairs.size())).build();
    }

    private static Answer answer(String text) {
        return new Answer(text, List.of(), IMPORTED_VERSION);
    }
}
