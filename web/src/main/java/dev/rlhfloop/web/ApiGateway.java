package dev.rlhfloop.web;

import dev.rlhfloop.contracts.ComparisonIds;
import dev.rlhfloop.web.ServicePool.Instance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The one public URL's API half: every {@code /api/*} request goes through Vert.x's HTTP proxy to an
 * instance of the service that owns it (round robin over its instances, see {@link ServicePool}; a
 * comparison's reads go to the inference instance named in its id), and the answer is streamed back
 * unchanged — status, headers (Authorization and Cookie go to the services as sent), JSON error
 * bodies, and Server-Sent Events chunk by chunk as the service writes them. A service that cannot be
 * reached is answered with 503 and a JSON reason the browser app shows.
 */
@ApplicationScoped
public class ApiGateway {

    /** Router order of {@code /api/status} (and the API document): before everything else under /api. */
    public static final int STATUS_ORDER = -100;
    /**
     * Router order of the proxy on {@code /api/*}. Handlers that must see a request before it is
     * forwarded (the session check) register on /api/* with a lower order and call {@code next()}.
     */
    public static final int PROXY_ORDER = -99;

    private static final Logger LOG = Logger.getLogger(ApiGateway.class);

    /** ProxyContext attachments: the request's target, the instance chosen, the request to it. */
    private static final String TARGET = "rlhf.target";
    private static final String INSTANCE = "rlhf.instance";
    private static final String ORIGIN = "rlhf.origin";
    private static final String TIMED_OUT = "rlhf.timed-out";

    /** Where one request goes: a service, and the instance that must answer it when only one may. */
    private record Target(ServicePool pool, Optional<String> owner, String comparison) {}

    /** No instance of the service could be reached. */
    private static final class Unreachable extends RuntimeException {
        Unreachable(Throwable cause) {
            super(cause);
        }
    }

    /** The comparison's owner is not among the instances (it stopped or restarted): 404. */
    private static final class OwnerGone extends RuntimeException {
        OwnerGone() {
            super(null, null, false, false);
        }
    }

    private final ApiRoutes routes;
    private final int connectTimeoutMs;
    private final int responseTimeoutMs;
    private final long resolveIntervalMs;
    private final Map<String, ServicePool> pools;
    private Vertx vertx;
    private HttpClient client;
    private HttpProxy proxy;

    ApiGateway(ApiRoutes routes,
               @ConfigProperty(name = "rlhf.gateway.connect-timeout-ms", defaultValue = "2000") int connectTimeoutMs,
               @ConfigProperty(name = "rlhf.gateway.response-timeout-ms", defaultValue = "30000") int responseTimeoutMs,
               @ConfigProperty(name = "rlhf.gateway.retry-down-instance-ms", defaultValue = "5000") long retryDownMs,
               @ConfigProperty(name = "rlhf.gateway.resolve-interval-ms", defaultValue = "10000") long resolveIntervalMs) {
        this.routes = routes;
        this.connectTimeoutMs = connectTimeoutMs;
        this.responseTimeoutMs = responseTimeoutMs;
        this.resolveIntervalMs = resolveIntervalMs;
        this.pools = ServicePool.of(routes.upstreams(), TimeUnit.MILLISECONDS.toNanos(retryDownMs)).stream()
                .collect(Collectors.toUnmodifiableMap(ServicePool::name, Function.identity()));
    }

    void register(@Observes Router router, Vertx vertx) {
        this.vertx = vertx;
        // An SSE stream holds its connection for as long as the browser listens: allow many per instance.
        this.client = vertx.createHttpClient(
                new HttpClientOptions().setConnectTimeout(connectTimeoutMs).setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(256));
        this.proxy = HttpProxy.reverseProxy(client).origin(this::connect).addInterceptor(new Forwarding());
        pools.values().forEach(ServicePool::resolve);
        vertx.setPeriodic(resolveIntervalMs, id -> vertx.executeBlocking(() -> {
            pools.values().forEach(ServicePool::resolve);
            return null;
        }, false));
        router.get("/api/status").order(STATUS_ORDER).handler(this::status);
        router.route("/api/*").order(PROXY_ORDER).handler(this::proxy);
    }

    private void proxy(RoutingContext ctx) {
        String path = ctx.request().path();
        if (climbs(path)) {
            // The access rules and limits went by the path as sent; forwarded, the service would
            // resolve it to another resource ("/api/stats/%2e%2e/votes" is a vote there).
            error(ctx.response(), 400, "bad_request", "The path has a '.' or '..' segment, or an encoded '/' or '\\': name the resource directly");
            return;
        }
        if (routes.forPath(path).isEmpty()) {
            error(ctx.response(), 404, "not_found", "No service serves " + path);
            return;
        }
        proxy.handle(ctx.request());
    }

    /** A dot segment, plain or percent-encoded, or an encoded slash or backslash, which the service would resolve differently. */
    static boolean climbs(String rawPath) {
        String lower = rawPath.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("\\")) return true;
        for (String segment : lower.replace("%2e", ".").split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) return true;
        }
        return false;
    }

    private Target target(String path) {
        ServicePool pool = pools.get(routes.forPath(path).orElseThrow().name());
        // limit -1: a path of slashes ("/api/stats/events//") splits into empty segments, not into nothing
        String comparison = path.substring(Math.min(path.length(), ApiRoutes.COMPARISONS.length() + 1)).split("/", -1)[0];
        return new Target(pool, ApiRoutes.ownerOf(path), comparison);
    }

    /**
     * The proxy's origin: a connection to the owner when the request has one, else to the next
     * instance in turn, trying the others when it refuses (nothing was sent yet, so any method may
     * move on). The instance is attached to the context so its answer can name it.
     */
    private Future<HttpClientRequest> connect(ProxyContext ctx) {
        Target target = ctx.get(TARGET, Target.class);
        if (target.owner().isPresent()) {
            return owner(target).compose(instance -> connect(ctx, target.pool(), List.of(instance), 0, null));
        }
        return connect(ctx, target.pool(), target.pool().turn(), 0, null);
    }

    private Future<HttpClientRequest> connect(ProxyContext ctx, ServicePool pool, List<Instance> order, int k, Throwable last) {
        if (k == order.size()) return Future.failedFuture(new Unreachable(last));
        Instance instance = order.get(k);
        RequestOptions options = new RequestOptions()
                .setServer(SocketAddress.inetSocketAddress(instance.port, instance.host))
                .setHost(instance.url.getHost())
                .setPort(instance.port);
        return ctx.client().request(options).compose(request -> {
            ctx.set(INSTANCE, instance);
            ctx.set(ORIGIN, request);
            return Future.succeededFuture(request);
        }, refused -> {
            pool.markDown(instance, reason(refused));
            return connect(ctx, pool, order, k + 1, refused);
        });
    }

    /**
     * The inference instance named in a comparison's id. Its address is learned from its answers;
     * a name not seen yet (the gateway restarted) is looked for by asking every instance's health
     * check, which answers with the name too.
     */
    private Future<Instance> owner(Target target) {
        String name = target.owner().orElseThrow();
        Optional<Instance> known = target.pool().named(name);
        if (known.isPresent()) return Future.succeededFuture(known.get());
        return target.pool().askNames(pool -> Future.join(pool.instances().stream().map(i -> health(pool, i)).toList()).mapEmpty())
                .transform(done -> target.pool().named(name)
                        .map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(new OwnerGone())));
    }

    /** Headers and failures around the library's forwarding. */
    private final class Forwarding implements ProxyInterceptor {

        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext ctx) {
            ProxyRequest request = ctx.request();
            HttpServerRequest in = request.proxiedRequest();
            ctx.set(TARGET, target(in.path()));
            if (!hasBody(in)) {
                // Nothing to stream: the request can then be sent again on a new connection (below).
                request.setBody(null);
                if (!in.isEnded()) in.resume();
            }
            request.headers().set("X-Forwarded-Host", String.valueOf(in.authority()));
            request.headers().set("X-Forwarded-Proto", in.scheme());
            if (in.remoteAddress() != null) request.headers().set("X-Forwarded-For", in.remoteAddress().hostAddress());
            return send(ctx, true);
        }

        /**
         * A pooled keep-alive connection can turn out closed by the service just as it is reused
         * (e.g. after the service restarted): a GET or HEAD, which has no body to replay and no
         * effect to repeat, is then sent once more on a new connection instead of answering 503
         * for a service that is up.
         */
        private Future<ProxyResponse> send(ProxyContext ctx, boolean firstAttempt) {
            // Until the answer's headers arrive; an SSE stream, once started, may stay open as long as it likes.
            long timer = vertx.setTimer(responseTimeoutMs, t -> {
                ctx.set(TIMED_OUT, Boolean.TRUE);
                HttpClientRequest origin = ctx.get(ORIGIN, HttpClientRequest.class);
                if (origin != null) origin.reset();
            });
            return ctx.sendRequest().transform(ar -> {
                vertx.cancelTimer(timer);
                if (ar.succeeded()) {
                    Target target = ctx.get(TARGET, Target.class);
                    target.pool().markUp(ctx.get(INSTANCE, Instance.class));
                    return Future.succeededFuture(ar.result());
                }
                Throwable cause = ar.cause();
                HttpServerRequest in = ctx.request().proxiedRequest();
                if (firstAttempt && isSafe(in) && cause instanceof HttpClosedException && ctx.get(TIMED_OUT, Boolean.class) == null) {
                    LOG.debugf("a pooled connection closed under %s %s; sending it again", in.method(), in.uri());
                    ctx.set(ORIGIN, null);
                    return send(ctx, false);
                }
                return Future.succeededFuture(failure(ctx, cause));
            });
        }

        @Override
        public Future<Void> handleProxyResponse(ProxyContext ctx) {
            ProxyResponse response = ctx.response();
            Instance instance = ctx.get(INSTANCE, Instance.class);
            if (instance != null) instance.named(response.headers().get(ComparisonIds.INSTANCE_HEADER));
            response.headers().remove(HttpHeaders.CONNECTION).remove(HttpHeaders.KEEP_ALIVE);
            String type = response.headers().get(HttpHeaders.CONTENT_TYPE);
            if (response.getBody() != null && type != null && type.startsWith("text/event-stream")) {
                Target target = ctx.get(TARGET, Target.class);
                response.setBody(Body.body(new EventStreamEnd(response.getBody().stream(), () -> cutStreamEvent(target, instance)), -1));
            }
            return ctx.sendResponse();
        }
    }

    /**
     * An event stream cut by the instance (it died) ends with an {@code error} event the page can
     * show, then ends normally: the rate page offers Regenerate, EventSource pages reconnect.
     */
    private static Buffer cutStreamEvent(Target target, Instance instance) {
        String where = instance == null ? target.pool().name() : target.pool().name() + " at " + instance.address();
        String reason = target.owner().isPresent()
                ? "the inference instance generating this comparison (" + where + ") stopped; start a new comparison (Regenerate)"
                : where + " closed the stream";
        JsonObject data = new JsonObject().put("error", "stream_cut").put("reason", reason).put("service", target.pool().name());
        return Buffer.buffer("event: error\ndata: " + data.encode() + "\n\n");
    }

    /** The JSON answer for a request that got no answer from the service. */
    private ProxyResponse failure(ProxyContext ctx, Throwable cause) {
        Target target = ctx.get(TARGET, Target.class);
        ServicePool pool = target.pool();
        JsonObject body;
        int status;
        if (ctx.get(TIMED_OUT, Boolean.class) != null) {
            status = 504;
            body = json("timeout", pool.name() + " did not answer within " + responseTimeoutMs / 1000 + " s (it may be busy)");
        } else if (cause instanceof OwnerGone) {
            status = 404;
            body = json("comparison_gone", "comparison " + target.comparison() + " was started on inference instance '"
                    + target.owner().orElseThrow() + "', which is not running any more; start a new comparison (Regenerate)")
                    .put("service", pool.name());
        } else if (target.owner().isPresent()) {
            status = 503;
            body = json("comparison_gone", "the inference instance holding comparison " + target.comparison() + " ('"
                    + target.owner().orElseThrow() + "') is not reachable (" + reason(unwrap(cause))
                    + "); start a new comparison (Regenerate)").put("service", pool.name());
        } else {
            Instance instance = ctx.get(INSTANCE, Instance.class);
            if (instance != null && !(cause instanceof Unreachable)) pool.markDown(instance, reason(cause));
            status = 503;
            body = json("service_unavailable", pool.name() + " is not reachable at " + pool.urls() + " (" + reason(unwrap(cause)) + ")")
                    .put("service", pool.name());
        }
        // The request body, if the service did not take it all, is read and dropped; release() would
        // do that too, but throws on a request already read to its end.
        HttpServerRequest in = ctx.request().proxiedRequest();
        if (!in.isEnded()) in.resume();
        return ctx.request().response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .setBody(Body.body(Buffer.buffer(body.encode())));
    }

    private static Throwable unwrap(Throwable cause) {
        return cause instanceof Unreachable && cause.getCause() != null ? cause.getCause() : cause;
    }

    private static String reason(Throwable cause) {
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private static boolean isSafe(HttpServerRequest in) {
        return (in.method() == HttpMethod.GET || in.method() == HttpMethod.HEAD) && !hasBody(in);
    }

    private static boolean hasBody(HttpServerRequest in) {
        String length = in.getHeader(HttpHeaders.CONTENT_LENGTH);
        return (length != null && !length.equals("0")) || in.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    }

    private static JsonObject json(String error, String reason) {
        return new JsonObject().put("error", error).put("reason", reason);
    }

    private static void error(HttpServerResponse res, int status, String error, String reason) {
        if (res.ended() || res.closed()) {
            return;
        }
        res.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(json(error, reason).encode());
    }

    /**
     * {@code GET /api/status}: each service's reachability and its Quarkus health checks (which name
     * the Kafka connection), so the browser app can say "broker down" rather than "something failed";
     * and the same for each of its instances. A service is reachable when one of its instances is.
     */
    private void status(RoutingContext ctx) {
        List<Future<JsonObject>> services = routes.upstreams().stream().map(u -> serviceStatus(pools.get(u.name()))).toList();
        Future.join(services).onComplete(all -> {
            JsonArray list = new JsonArray();
            services.forEach(s -> list.add(s.result()));
            ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                    .end(new JsonObject().put("services", list).encode());
        });
    }

    private Future<JsonObject> serviceStatus(ServicePool pool) {
        List<Future<JsonObject>> checks = pool.instances().stream().map(i -> health(pool, i)).toList();
        return Future.join(checks).transform(done -> {
            List<JsonObject> instances = checks.stream().map(Future::result).toList();
            JsonObject best = instances.stream().filter(i -> "UP".equals(i.getString("status"))).findFirst()
                    .or(() -> instances.stream().filter(i -> i.getBoolean("reachable")).findFirst())
                    .orElse(instances.get(0));
            JsonObject service = new JsonObject().put("name", pool.name()).put("url", pool.urls())
                    .put("reachable", best.getBoolean("reachable")).put("status", best.getString("status"));
            if (best.containsKey("checks")) service.put("checks", best.getJsonArray("checks"));
            if (best.containsKey("reason")) service.put("reason", best.getString("reason"));
            return Future.succeededFuture(service.put("instances", new JsonArray(instances)));
        });
    }

    /** One instance's {@code /q/health}; its answer also names it (see {@link ComparisonIds#INSTANCE_HEADER}). */
    private Future<JsonObject> health(ServicePool pool, Instance instance) {
        JsonObject status = new JsonObject().put("url", instance.address());
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setServer(SocketAddress.inetSocketAddress(instance.port, instance.host))
                .setHost(instance.url.getHost())
                .setPort(instance.port)
                .setURI("/q/health")
                .setIdleTimeout(2000);
        return client.request(options)
                .compose(req -> req.send().compose(resp -> resp.body().map(body -> {
                    instance.named(resp.getHeader(ComparisonIds.INSTANCE_HEADER));
                    instance.name().ifPresent(name -> status.put("instance", name));
                    status.put("reachable", true);
                    try {
                        JsonObject health = body.toJsonObject();
                        status.put("status", health.getString("status", "UNKNOWN"));
                        status.put("checks", health.getJsonArray("checks", new JsonArray()));
                    } catch (RuntimeException notJson) {
                        status.put("status", resp.statusCode() == 200 ? "UP" : "UNKNOWN");
                    }
                    return status;
                })))
                .otherwise(err -> status.put("reachable", false).put("status", "DOWN").put("reason", reason(err)));
    }

    Collection<ServicePool> pools() {
        return pools.values();
    }
}
