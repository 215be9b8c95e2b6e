package dev.rlhfloop.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP upstream for the gateway's own test: the inference and trainer URLs point at this
 * server, the feedback URL at a port nobody listens on. Its SSE endpoints wait for the test
 * between events, so a gateway that buffered the stream would be caught.
 */
public class GatewayUpstream implements QuarkusTestResourceLifecycleManager {

    /** Counted down by the test once it has seen the first SSE event through the gateway. */
    static volatile CountDownLatch clientSawFirstEvent = new CountDownLatch(1);
    /** Counted down when the upstream notices that the browser side of a stream went away. */
    static volatile CountDownLatch upstreamSawDisconnect = new CountDownLatch(1);

    /**
     * The shape of a service's generated /q/openapi: public paths, and the paths the gateway does
     * not route (internal, smoke, info), each with schemas of their own.
     */
    static final String GENERATED_DOCUMENT = """
            {"openapi": "3.1.0", "info": {"title": "a service", "version": "1"},
             "paths": {
              "/api/comparisons/{id}": {"get": {"responses": {"200": {"description": "ok",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ComparisonView"}}}}}}},
              "/api/models": {"get": {"responses": {"200": {"description": "ok",
                  "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/ModelEntry"}}}}},
                  "503": {"description": "its own 503"}}}},
              "/internal/stats/partial": {"get": {"responses": {"200": {"description": "ok",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PartialStats"}}}}}}},
              "/smoke/{id}": {"get": {"responses": {"200": {"description": "ok"}}}},
              "/info": {"get": {"responses": {"200": {"description": "ok"}}}}},
             "components": {"schemas": {
              "ComparisonView": {"type": "object", "properties": {"answers": {"type": "array", "items": {"$ref": "#/components/schemas/Answer"}}}},
              "Answer": {"type": "object", "properties": {"text": {"type": "string"}}},
              "ModelEntry": {"type": "object", "properties": {"version": {"type": "string"}}},
              "PartialStats": {"type": "object"},
              "Error": {"type": "object", "required": ["error", "reason"], "properties": {"error": {"type": "string",
                  "enum": ["bad_request", "not_found", "service_unavailable", "timeout"]}, "reason": {"type": "string"}}}}}}
            """;

    private HttpServer server;
    private ExecutorService executor;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/api/comparisons", this::comparisons);
        server.createContext("/api/models", this::models);
        server.createContext("/q/openapi", ex -> send(ex, 200, "application/json", GENERATED_DOCUMENT));
        server.createContext("/q/health", ex -> send(ex, 200, "application/json",
                "{\"status\":\"DOWN\",\"checks\":[{\"name\":\"Kafka connection health check\",\"status\":\"DOWN\"}]}"));
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of(
                "rlhf.services.inference", url,
                "rlhf.services.trainer", url + "/",
                "rlhf.services.feedback", "http://127.0.0.1:" + closedPort());
    }

    private void comparisons(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (path.endsWith("/stepwise/events")) {
            stepwiseEvents(ex);
        } else if (path.endsWith("/endless/events")) {
            endlessEvents(ex);
        } else {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String echo = "{\"method\":\"" + ex.getRequestMethod() + "\",\"uri\":\"" + ex.getRequestURI()
                    + "\",\"rater\":\"" + ex.getRequestHeaders().getFirst("X-Rater") + "\",\"body\":" + (body.isEmpty() ? "null" : body) + "}";
            ex.getResponseHeaders().add("X-Upstream", "inference");
            send(ex, "POST".equals(ex.getRequestMethod()) ? 201 : 200, "application/json", echo);
        }
    }

    /** Two events; the second only after the test confirmed it received the first through the gateway. */
    private void stepwiseEvents(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.getResponseHeaders().add("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            out.write("event: token\ndata: {\"slot\":\"A\",\"text\":\"Hel\"}\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            boolean seen = await(clientSawFirstEvent);
            String last = seen ? "event: done\ndata: {\"slot\":\"A\",\"text\":\"Hello\"}\n\n"
                               : "event: error\ndata: {\"reason\":\"first event never reached the client\"}\n\n";
            out.write(last.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Writes a tick every 50 ms until the connection breaks, then reports the disconnect. */
    private void endlessEvents(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            for (int i = 0; i < 400; i++) {
                out.write(("event: tick\ndata: " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(50);
            }
        } catch (IOException | InterruptedException gone) {
            upstreamSawDisconnect.countDown();
        } finally {
            ex.close();
        }
    }

    private void models(HttpExchange ex) throws IOException {
        String query = ex.getRequestURI().getQuery();
        if (query != null && query.contains("busy")) {
            send(ex, 409, "application/json", "{\"error\":\"trainer_busy\",\"reason\":\"a replay is running\"}");
        } else {
            send(ex, 200, "application/json", "[{\"version\":\"1\",\"path\":\"" + ex.getRequestURI() + "\"}]");
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        server.stop(0);
        executor.shutdownNow();
    }
}
