package dev.rlhfloop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * The verbs' way to the stack's public HTTP API (docs/web-api.md, /api/openapi.yaml): one URL, JSON
 * answers, and failures as one sentence a person can act on instead of an exception.
 */
final class PublicApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Nothing answered, or the exchange broke: {@link #getMessage()} says so in one sentence. */
    static final class Unreachable extends RuntimeException {
        Unreachable(String message) {
            super(message);
        }
    }

    /** An HTTP answer with its JSON body (null if it is not JSON) and the service's error code and reason. */
    record Response(int status, String body, java.util.Optional<String> retryAfter) {
        Response(int status, String body) {
            this(status, body, java.util.Optional.empty());
        }

        /** How long the server asked to wait ({@code Retry-After} in seconds), or {@code otherwise}. */
        Duration retryAfterOr(Duration otherwise) {
            try {
                return retryAfter.map(s -> Duration.ofSeconds(Long.parseLong(s.strip()))).orElse(otherwise);
            } catch (NumberFormatException e) {
                return otherwise;
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

    Response get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    Response post(String path, String json) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A streamed download: its status, the lines written, and the error's reason when refused. */
    record Download(int status, long lines, String errorBody) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        String reason() {
            return new Response(status, errorBody).reason();
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

    Response send(HttpRequest.Builder request) {
        if (authorization != null) request.setHeader("Authorization", authorization);
        HttpRequest built = request.timeout(TIMEOUT).build();
        try {
            HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), response.headers().firstValue("Retry-After"));
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
