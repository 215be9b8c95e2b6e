package dev.rlhfloop.web;

import dev.rlhfloop.web.ApiRoutes.Upstream;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The one public URL's API half: every {@code /api/*} request is streamed to the service that owns
 * it and the answer is streamed back unchanged — status, headers, JSON error bodies, and
 * Server-Sent Events chunk by chunk as the service writes them (Vert.x pipes, nothing buffered).
 * A service that cannot be reached is answered with 503 and a JSON reason the browser app shows.
 */
@ApplicationScoped
public class ApiGateway {

    private static final Logger LOG = Logger.getLogger(ApiGateway.class);

    /** Headers that describe one connection, not the message; never forwarded. */
    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
            "transfer-encoding", "upgrade", "host");

    private final ApiRoutes routes;
    private final int connectTimeoutMs;
    private final int responseTimeoutMs;
    private final Map<String, Boolean> lastSeenUp = new ConcurrentHashMap<>();
    private Vertx vertx;
    private HttpClient client;

    ApiGateway(ApiRoutes routes,
               @ConfigProperty(name = "rlhf.gateway.connect-timeout-ms", defaultValue = "2000") int connectTimeoutMs,
               @ConfigProperty(name = "rlhf.gateway.response-timeout-ms", defaultValue = "30000") int responseTimeoutMs) {
        this.routes = routes;
        this.connectTimeoutMs = connectTimeoutMs;
        this.responseTimeoutMs = responseTimeoutMs;
    }

    void register(@Observes Router router, Vertx vertx) {
        this.vertx = vertx;
        // An SSE stream holds its connection for as long as the browser listens: allow many per service.
        this.client = vertx.createHttpClient(
                new HttpClientOptions().setConnectTimeout(connectTimeoutMs).setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(256));
        router.get("/api/status").order(-100).handler(this::status);
        router.route("/api/*").order(-99).handler(this::proxy);
    }

    private void proxy(RoutingContext ctx) {
        HttpServerRequest in = ctx.request();
        Upstream upstream = routes.forPath(in.path()).orElse(null);
        if (upstream == null) {
            error(ctx.response(), 404, "not_found", "No service serves " + in.path());
            return;
        }
        in.pause();
        forward(ctx, upstream, true);
    }

    /**
     * Sends the browser's request to {@code upstream}. A pooled keep-alive connection can turn out
     * closed by the service just as it is reused (e.g. after the service restarted): a GET or HEAD,
     * which has no body to replay and no effect to repeat, is then sent once more on a new connection
     * instead of answering 503 for a service that is up.
     */
    private void forward(RoutingContext ctx, Upstream upstream, boolean firstAttempt) {
        HttpServerRequest in = ctx.request();
        RequestOptions options = new RequestOptions()
                .setMethod(in.method())
                .setAbsoluteURI(join(upstream, in.uri()))
                .setHeaders(forwardedHeaders(in));
        client.request(options).onComplete(connected -> {
            if (connected.failed()) {
                if (firstAttempt) in.resume();
                unavailable(ctx.response(), upstream, connected.cause());
                return;
            }
            HttpClientRequest out = connected.result();
            HttpServerResponse res = ctx.response();
            // The browser went away mid-answer (e.g. closed an SSE stream): tell the service by dropping
            // its connection. Not once the answer is complete: an HTTP/2 stream "closes" after every
            // answer, and resetting then would throw away a pooled connection that is fine.
            res.closeHandler(v -> {
                if (!res.ended()) out.reset();
            });
            long timer = vertx.setTimer(responseTimeoutMs, t -> {
                out.reset();
                if (!res.headWritten()) {
                    error(res, 504, "timeout", upstream.name() + " did not answer within "
                            + responseTimeoutMs / 1000 + " s (it may be busy)");
                }
            });
            Future<HttpClientResponse> answered = hasBody(in) ? out.send(in) : out.send();
            // A resent request was read to its end the first time: resuming it again is an error.
            if (!hasBody(in) && firstAttempt) {
                in.resume();
            }
            answered.onComplete(ar -> {
                vertx.cancelTimer(timer);
                if (ar.failed()) {
                    // A reset because the browser left is not the service's failure.
                    if (!res.headWritten() && !res.closed()) {
                        if (firstAttempt && isSafe(in) && ar.cause() instanceof HttpClosedException) {
                            LOG.debugf("%s closed a pooled connection under %s %s; sending it again", upstream.name(), in.method(), in.uri());
                            forward(ctx, upstream, false);
                            return;
                        }
                        unavailable(res, upstream, ar.cause());
                    }
                    return;
                }
                markUp(upstream, true, null);
                relay(ar.result(), res);
            });
        });
    }

    private static boolean isSafe(HttpServerRequest in) {
        return (in.method() == HttpMethod.GET || in.method() == HttpMethod.HEAD) && !hasBody(in);
    }

    /** Streams the service's answer to the browser as it arrives. */
    private static void relay(HttpClientResponse answer, HttpServerResponse res) {
        res.setStatusCode(answer.statusCode());
        res.setStatusMessage(answer.statusMessage());
        answer.headers().forEach(h -> {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                res.headers().add(h.getKey(), h.getValue());
            }
        });
        if (!answer.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
            res.setChunked(true);
        }
        // A stream cut by the service must look cut to the browser (EventSource then reconnects),
        // not like a complete answer: reset instead of ending on failure.
        answer.pipe().endOnFailure(false).to(res).onFailure(e -> {
            res.reset();
            answer.request().reset();
        });
    }

    private MultiMap forwardedHeaders(HttpServerRequest in) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        in.headers().forEach(h -> {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                headers.add(h.getKey(), h.getValue());
            }
        });
        if (in.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
            headers.set(HttpHeaders.TRANSFER_ENCODING, "chunked");
        }
        headers.set("X-Forwarded-Host", String.valueOf(in.authority()));
        headers.set("X-Forwarded-Proto", in.scheme());
        if (in.remoteAddress() != null) {
            headers.set("X-Forwarded-For", in.remoteAddress().hostAddress());
        }
        return headers;
    }

    private static boolean hasBody(HttpServerRequest in) {
        String length = in.getHeader(HttpHeaders.CONTENT_LENGTH);
        return (length != null && !length.equals("0")) || in.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    }

    private static String join(Upstream upstream, String uri) {
        String base = upstream.baseUrl().toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + uri;
    }

    private void unavailable(HttpServerResponse res, Upstream upstream, Throwable cause) {
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        markUp(upstream, false, why);
        error(res, 503, "service_unavailable",
                upstream.name() + " is not reachable at " + upstream.baseUrl() + " (" + why + ")",
                new JsonObject().put("service", upstream.name()));
    }

    /** One log line when a service goes down or comes back, not one per request. */
    private void markUp(Upstream upstream, boolean up, String why) {
        Boolean before = lastSeenUp.put(upstream.name(), up);
        if (before == null && up) {
            return;
        }
        if (before == null || before != up) {
            if (up) {
                LOG.infof("%s is reachable again at %s", upstream.name(), upstream.baseUrl());
            } else {
                LOG.warnf("%s is not reachable at %s: %s", upstream.name(), upstream.baseUrl(), why);
            }
        }
    }

    private static void error(HttpServerResponse res, int status, String error, String reason) {
        error(res, status, error, reason, new JsonObject());
    }

    private static void error(HttpServerResponse res, int status, String error, String reason, JsonObject extra) {
        if (res.ended() || res.closed()) {
            return;
        }
        JsonObject body = new JsonObject().put("error", error).put("reason", reason).mergeIn(extra);
        res.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(body.encode());
    }

    /**
     * {@code GET /api/status}: each service's reachability and its Quarkus health checks (which name
     * the Kafka connection), so the browser app can say "broker down" rather than "something failed".
     */
    private void status(RoutingContext ctx) {
        List<Future<JsonObject>> checks = routes.upstreams().stream().map(this::health).toList();
        Future.join(checks).onComplete(all -> {
            JsonArray services = new JsonArray();
            checks.forEach(c -> services.add(c.result()));
            ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                    .end(new JsonObject().put("services", services).encode());
        });
    }

    private Future<JsonObject> health(Upstream upstream) {
        JsonObject service = new JsonObject().put("name", upstream.name()).put("url", upstream.baseUrl().toString());
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setAbsoluteURI(join(upstream, "/q/health"))
                .setIdleTimeout(2000);
        return client.request(options)
                .compose(req -> req.send().compose(resp -> resp.body().map(body -> {
                    service.put("reachable", true);
                    try {
                        JsonObject health = body.toJsonObject();
                        service.put("status", health.getString("status", "UNKNOWN"));
                        service.put("checks", health.getJsonArray("checks", new JsonArray()));
                    } catch (RuntimeException notJson) {
                        service.put("status", resp.statusCode() == 200 ? "UP" : "UNKNOWN");
                    }
                    return service;
                })))
                .otherwise(err -> service.put("reachable", false).put("status", "DOWN")
                        .put("reason", err.getMessage() == null ? err.toString() : err.getMessage()));
    }
}
