package dev.rlhfloop.stack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.rlhfloop.kafka.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HealthProbeTest {

    private final HealthProbe probe = new HealthProbe();

    @Test
    void readyOnlyWhenTheEndpointAnswers200() throws Exception {
        AtomicInteger status = new AtomicInteger(503);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/q/health/ready", exchange -> {
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
        try {
            URI readiness = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/q/health/ready");
            assertFalse(probe.ready(readiness));
            status.set(200);
            assertTrue(probe.ready(readiness));
            Process running = stillStarting();
            try {
                probe.await("web", readiness, running, System.nanoTime(), Duration.ofSeconds(5), Path.of("web.log"));
            } finally {
                running.destroy();
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void awaitFailsWhenNothingListensAndTheProcessHasExited() throws Exception {
        URI nothing = URI.create("http://127.0.0.1:" + LoopbackPorts.free() + "/q/health/ready");
        assertFalse(probe.ready(nothing));
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> probe.await("web", nothing, exited, System.nanoTime(), Duration.ofSeconds(5), Path.of("web.log")));
        assertTrue(e.getMessage().contains("web exited with code 0; see web.log"), e.getMessage());
    }

    @Test
    void awaitFailsAfterTheTimeout() throws Exception {
        URI nothing = URI.create("http://127.0.0.1:" + LoopbackPorts.free() + "/q/health/ready");
        Process running = stillStarting();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> probe.await("web", nothing, running, System.nanoTime(), Duration.ZERO, Path.of("web.log")));
            assertTrue(e.getMessage().contains("web was not ready within 0 s; see web.log"), e.getMessage());
        } finally {
            running.destroy();
        }
    }

    /** A live child process standing for a service that is still starting. */
    private static Process stillStarting() throws IOException {
        return new ProcessBuilder("sleep", "30").start();
    }
}
