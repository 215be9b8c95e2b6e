package dev.rlhfloop.web;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A service that keeps connections alive, answers the first request on each, and closes the
 * connection without answering when a second request arrives on it: what a restarted or
 * idle-closing service looks like to a gateway that reuses pooled connections.
 */
public class ClosingUpstream implements QuarkusTestResourceLifecycleManager {

    static final AtomicInteger connections = new AtomicInteger();
    static final AtomicInteger dropped = new AtomicInteger();

    private ServerSocket server;
    private Thread acceptor;

    @Override
    public Map<String, String> start() {
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        acceptor = new Thread(this::accept, "closing-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
        String url = "http://127.0.0.1:" + server.getLocalPort();
        return Map.of(
                "rlhf.services.trainer", url,
                "rlhf.services.inference", "http://127.0.0.1:" + GatewayUpstream.closedPort(),
                "rlhf.services.feedback", "http://127.0.0.1:" + GatewayUpstream.closedPort());
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                int connection = connections.incrementAndGet();
                Thread serve = new Thread(() -> serve(socket, connection), "closing-upstream-" + connection);
                serve.setDaemon(true);
                serve.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void serve(Socket socket, int connection) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            for (int request = 1; ; request++) {
                int contentLength = 0;
                String line = in.readLine();
                if (line == null) return;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    if (line.toLowerCase().startsWith("content-length:")) contentLength = Integer.parseInt(line.substring(15).trim());
                }
                in.skip(contentLength);
                if (request > 1) {
                    dropped.incrementAndGet();
                    return;
                }
                byte[] body = ("{\"connection\":" + connection + "}").getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            }
        } catch (IOException gone) {
            // the gateway closed its side
        }
    }

    @Override
    public void stop() {
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
