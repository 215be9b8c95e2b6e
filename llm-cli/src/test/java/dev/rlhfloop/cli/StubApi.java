package dev.rlhfloop.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A small HTTP server on a free loopback port that answers a verb's requests as one endpoint of the stack does. */
final class StubApi implements AutoCloseable {
    private final HttpServer server;

    private StubApi(HttpServer server) {
        this.server = server;
    }

    /** Serves {@code handler} under {@code path}; started, its URL in {@link #url()}. */
    static StubApi serving(String path, HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(path, handler);
        server.start();
        return new StubApi(server);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    static void reply(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
