package dev.rlhfloop.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Three inference instances for the gateway: "alpha" and "beta" answer (each names itself in the
 * instance header as the real service does), the third refuses connections. A comparison's id
 * begins with the name of the instance that made it. "beta" dies in the middle of any event stream
 * of a comparison called "dying" (the connection drops without the stream's end).
 */
public class InferenceInstances implements QuarkusTestResourceLifecycleManager {
    static final String DYING_PROMPT = "Tell me something and die.";
    private static final AtomicBoolean dyingLeft = new AtomicBoolean(true);
    private static final AtomicInteger ids = new AtomicInteger();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private HttpServer alpha;
    private HttpServer beta;

    @Override
    public Map<String, String> start() {
        alpha = instance("alpha");
        beta = instance("beta");
        String urls = url(alpha) + ",http://127.0.0.1:" + GatewayUpstream.closedPort() + "," + url(beta);
        return Map.of(
                "rlhf.services.inference", urls,
                "rlhf.services.feedback", url(alpha),
                "rlhf.services.trainer", url(beta),
                "rlhf.gateway.response-timeout-ms", "2000");
    }

    private static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private HttpServer instance(String name) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(executor);
            server.createContext("/", ex -> answer(ex, name));
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void answer(HttpExchange ex, String name) throws IOException {
        ex.getResponseHeaders().add("X-Rlhf-Instance", name);
        String path = ex.getRequestURI().getPath();
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (path.equals("/q/health")) {
            send(ex, 200, "{\"status\":\"UP\",\"checks\":[]}");
        } else if (path.equals("/api/session")) {
            // As feedback-service in local mode (it is "alpha" here): no session yet, then an anonymous one.
            if (!ex.getRequestMethod().equals("POST")) {
                send(ex, 401, "{\"error\":\"unauthorized\",\"reason\":\"no rater session\"}");
                return;
            }
            String token = dev.rlhfloop.service.testing.TestSessions.rater("r-instances").substring("Bearer ".length());
            ex.getResponseHeaders().add("Set-Cookie", dev.rlhfloop.service.auth.Auth.SESSION_COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
            send(ex, 201, "{\"raterId\":\"r-instances\",\"token\":\"" + token + "\",\"admin\":false,\"mode\":\"local\"}");
        } else if (path.equals("/api/comparisons") && ex.getRequestMethod().equals("POST")) {
            // The first comparison asked for with DYING_PROMPT is one whose instance dies while streaming it.
            String id = name + (body.contains(DYING_PROMPT) && dyingLeft.getAndSet(false) ? ".dying" : ".c" + ids.incrementAndGet());
            send(ex, 201, "{\"id\":\"" + id + "\",\"instance\":\"" + name + "\"}");
        } else if (path.endsWith("/events")) {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            if (path.contains("quiet")) {
                // An answer waiting in the generation queue: the stream is open and says nothing for a while.
                out.write(": comparison queued\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                sleep(QUIET_MS);
            }
            out.write("event: token\ndata: {\"slot\":\"A\",\"text\":\"Hel\"}\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            if (path.contains("dying")) {
                // The JDK server drops the connection of a handler that throws: a crash mid-stream.
                throw new IllegalStateException("instance " + name + " dies mid-stream");
            }
            out.write(("event: done\ndata: {\"slot\":\"A\",\"text\":\"Hello\"}\n\n"
                    + "event: done\ndata: {\"slot\":\"B\",\"text\":\"Hi\"}\n\n").getBytes(StandardCharsets.UTF_8));
            out.close();
        } else {
            send(ex, 200, new io.vertx.core.json.JsonObject().put("path", path).put("instance", name)
                    .put("authorization", ex.getRequestHeaders().getFirst("Authorization"))
                    .put("cookie", ex.getRequestHeaders().getFirst("Cookie")).encode());
        }
    }

    /** Longer than the gateway's response timeout here, which bounds the wait for headers, never a stream. */
    static final long QUIET_MS = 3_000;

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void stop() {
        alpha.stop(0);
        beta.stop(0);
        executor.shutdownNow();
    }
}
