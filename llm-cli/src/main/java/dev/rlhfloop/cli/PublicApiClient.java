package dev.rlhfloop.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.api.ComparisonCreated;
import dev.rlhfloop.contracts.api.ComparisonView;
import dev.rlhfloop.contracts.api.CreateComparison;
import dev.rlhfloop.contracts.api.InviteRequest;
import dev.rlhfloop.contracts.api.LineControlRequest;
import dev.rlhfloop.contracts.api.LineControlView;
import dev.rlhfloop.contracts.api.RaterView;
import dev.rlhfloop.contracts.api.ReplayView;
import dev.rlhfloop.contracts.api.Session;
import dev.rlhfloop.contracts.api.SessionRequest;
import dev.rlhfloop.contracts.api.StartReplay;
import dev.rlhfloop.contracts.api.VoteAccepted;
import dev.rlhfloop.contracts.api.VoteRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The verbs' way to the stack's public HTTP API (docs/web-api.md, /api/openapi.yaml): one URL, one
 * method per operation, requests and answers as the services' own records (contracts' api package),
 * and failures as one sentence a person can act on instead of an exception.
 */
final class PublicApiClient {
    /** The contracts' mapper: it reads what the services write, ignoring fields a newer service adds. */
    static final ObjectMapper JSON = Json.MAPPER;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Nothing answered, or the exchange broke: {@link #getMessage()} says so in one sentence. */
    static final class Unreachable extends RuntimeException {
        Unreachable(String message) {
            super(message);
        }
    }

    /** An HTTP answer of type {@code T}: its body as that record once {@link #ok()}, and else the service's error code and reason. */
    record Response<T>(int status, String body, TypeReference<T> type, Optional<String> retryAfter) {
        Response(int status, String body, TypeReference<T> type) {
            this(status, body, type, Optional.empty());
        }

        /** How long the server asked to wait ({@code Retry-After} in seconds), or {@code otherwise}. */
        Duration retryAfterOr(Duration otherwise) {
            try {
                return retryAfter.map(s -> Duration.ofSeconds(Long.parseLong(s.strip()))).orElse(otherwise);
            } catch (NumberFormatException e) {
                return otherwise;
            }
        }

        /** The body as the operation's record; an {@link Unreachable} when a 2xx body does not read as one. */
        T value() {
            try {
                return JSON.readValue(body, type);
            } catch (IOException e) {
                throw new Unreachable("the answer (HTTP " + status + ") is not the documented JSON: " + abbreviate(String.valueOf(body), 200));
            }
        }

        JsonNode json() {
            try {
                return body == null || body.isBlank() ? null : JSON.readTree(body);
            } catch (IOException e) {
                return null;
            }
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }

        String code() {
            JsonNode json = json();
            return json == null ? "" : json.path("error").asText("");
        }

        /**
         * "HTTP 409: replay r1 into line x is still running", from the body's reason (every service
         * answers {"error": code, "reason": sentence}); a body from elsewhere is shown abbreviated.
         */
        String reason() {
            JsonNode json = json();
            String reason = json == null ? "" : json.path("reason").asText("");
            return "HTTP " + status + (reason.isEmpty() ? "" : ": " + reason) + (reason.isEmpty() && body != null && !body.isBlank()
                    ? ": " + abbreviate(body.strip(), 200) : "");
        }
    }

    private final URI base;
    /** "Bearer ..." sent with every request: a rater's session or the admin token; null for none. */
    private volatile String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** @throws IllegalArgumentException when {@code url} is not an http://host:port URL */
    PublicApiClient(String url) {
        URI parsed = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        if (parsed.getScheme() == null || parsed.getHost() == null) throw new IllegalArgumentException("expected http://host:port");
        this.base = parsed;
    }

    URI base() {
        return base;
    }

    /** From now on every request carries {@code Authorization: Bearer <token>}. */
    PublicApiClient authorize(String token) {
        this.authorization = "Bearer " + token;
        return this;
    }

    /** {@code POST /api/session}: 201 with a rater session (anonymous in local mode, the invite's in team mode). */
    Response<Session> openSession(SessionRequest request) {
        return post("/api/session", request, new TypeReference<>() {});
    }

    /** {@code GET /api/raters} (admin): every rater, invited or anonymous, revoked or not. */
    Response<List<RaterView>> raters() {
        return get("/api/raters", new TypeReference<>() {});
    }

    /** {@code POST /api/raters} (admin): 201 with the invited rater and its one-time invite path. */
    Response<RaterView> invite(InviteRequest request) {
        return post("/api/raters", request, new TypeReference<>() {});
    }

    /** {@code DELETE /api/raters/{raterId}} (admin): the revoked rater. */
    Response<RaterView> revoke(String raterId) {
        return send(HttpRequest.newBuilder(base.resolve("/api/raters/" + java.net.URLEncoder.encode(raterId, StandardCharsets.UTF_8)))
                .DELETE(), new TypeReference<>() {});
    }

    /** {@code POST /api/raters/{raterId}/forget} (admin): the forgotten rater (its votes stop counting everywhere). */
    Response<RaterView> forget(String raterId) {
        return send(HttpRequest.newBuilder(base.resolve("/api/raters/" + java.net.URLEncoder.encode(raterId, StandardCharsets.UTF_8) + "/forget"))
                .POST(HttpRequest.BodyPublishers.noBody()), new TypeReference<>() {});
    }

    /** {@code POST /api/import/pairs} (admin): 201 once every pair of the request is on the pairs topic; 400 naming a bad pair's line. */
    Response<dev.rlhfloop.contracts.api.PairsImported> importPairs(dev.rlhfloop.contracts.api.PairsImport request) {
        return post("/api/import/pairs", request, new TypeReference<>() {});
    }

    /** {@code POST /api/comparisons}: 201 with the comparison; 503 {@code no_model} while there is no model yet. */
    Response<ComparisonCreated> createComparison(CreateComparison request) {
        return post("/api/comparisons", request, new TypeReference<>() {});
    }

    /** {@code GET /api/comparisons/{id}}: the answers so far, and who wrote them once voted on. */
    Response<ComparisonView> comparison(String id) {
        return get("/api/comparisons/" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8), new TypeReference<>() {});
    }

    /** {@code POST /api/votes}: 202 once Kafka has the vote. */
    Response<VoteAccepted> vote(VoteRequest vote) {
        return post("/api/votes", vote, new TypeReference<>() {});
    }

    /** {@code POST /api/replays}: 202 with the replay; 409 while the trainer is busy. */
    Response<ReplayView> startReplay(StartReplay request) {
        return post("/api/replays", request, new TypeReference<>() {});
    }

    /** {@code GET /api/replays}: every replay since the trainer started. */
    Response<List<ReplayView>> replays() {
        return get("/api/replays", new TypeReference<>() {});
    }

    /** {@code GET /api/lines/{line}/control}: the line's pin, pause and versions kept. */
    Response<LineControlView> lineControl(String line) {
        return get(linePath(line), new TypeReference<>() {});
    }

    /** {@code PUT /api/lines/{line}/control} (admin): replaces the line's control; answers it as stored. */
    Response<LineControlView> setLineControl(String line, LineControlRequest request) {
        return send(HttpRequest.newBuilder(base.resolve(linePath(line))).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.writeString(request))), new TypeReference<>() {});
    }

    /** {@code POST} (serve) or {@code DELETE} (stop) {@code /api/lines/{line}/serve} (admin): the line served beside the live one or not. */
    Response<dev.rlhfloop.contracts.api.LineServing> serveLine(String line, boolean serve) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(linePath(line).replaceFirst("/control$", "/serve")));
        return send(serve ? request.POST(HttpRequest.BodyPublishers.noBody()) : request.DELETE(), new TypeReference<>() {});
    }

    private static String linePath(String line) {
        return "/api/lines/" + java.net.URLEncoder.encode(line, StandardCharsets.UTF_8) + "/control";
    }

    private <T> Response<T> get(String path, TypeReference<T> type) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), type);
    }

    private <T> Response<T> post(String path, Object body, TypeReference<T> type) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.writeString(body))), type);
    }

    /** A streamed download: its status, the lines written, and the error's reason when refused. */
    record Download(int status, long lines, String errorBody) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        String reason() {
            return new Response<>(status, errorBody, null).reason();
        }
    }

    /**
     * Streams the answer to {@code path} into {@code target} (written only when the answer is a
     * success), with no timeout on the transfer: an export of a long log takes as long as it takes.
     */
    Download download(String path, java.nio.file.Path target) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).GET();
        if (authorization != null) builder.header("Authorization", authorization);
        HttpRequest request = builder.build();
        try {
            HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (java.io.InputStream body = response.body()) {
                if (response.statusCode() / 100 != 2) {
                    return new Download(response.statusCode(), 0, new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                }
                long lines = 0;
                java.nio.file.Path partial = target.resolveSibling(target.getFileName() + ".partial");
                try (java.io.OutputStream file = java.nio.file.Files.newOutputStream(partial)) {
                    byte[] buffer = new byte[1 << 16];
                    for (int n; (n = body.read(buffer)) > 0; ) {
                        file.write(buffer, 0, n);
                        for (int i = 0; i < n; i++) if (buffer[i] == '\n') lines++;
                    }
                }
                java.nio.file.Files.move(partial, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return new Download(response.statusCode(), lines, null);
            }
        } catch (IOException | InterruptedException e) {
            throw unreachable(e, request);
        }
    }

    <T> Response<T> send(HttpRequest.Builder request, TypeReference<T> type) {
        if (authorization != null) request.setHeader("Authorization", authorization);
        HttpRequest built = request.timeout(TIMEOUT).build();
        try {
            HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
            return new Response<>(response.statusCode(), response.body(), type, response.headers().firstValue("Retry-After"));
        } catch (IOException | InterruptedException e) {
            throw unreachable(e, built);
        }
    }

    private Unreachable unreachable(Exception e, HttpRequest request) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new Unreachable("interrupted");
        }
        if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException) {
            return new Unreachable("nothing answers at " + base + " (is the stack up? start it with ./rlhf-loop up, or pass --url)");
        }
        if (e instanceof HttpTimeoutException) {
            return new Unreachable(request.method() + " " + request.uri() + " got no answer within " + TIMEOUT.toSeconds() + " s");
        }
        return new Unreachable(request.method() + " " + request.uri() + " failed: " + e.getMessage());
    }

    static String abbreviate(String text, int max) {
        String flat = text.replaceAll("\\s+", " ");
        return flat.length() <= max ? flat : flat.substring(0, max - 1) + "…";
    }
}
