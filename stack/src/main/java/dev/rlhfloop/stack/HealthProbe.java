package dev.rlhfloop.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Whether a started service is ready: its readiness endpoint ({@code /q/health/ready}) answers 200.
 * The local run ({@link Stack}) and the end-to-end tests start the same services and wait for them
 * the same way, so the check lives here once.
 */
public final class HealthProbe {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** True when {@code readiness} answers 200 now; false while nothing listens there or it answers otherwise. */
    public boolean ready(URI readiness) {
        try {
            HttpRequest request = HttpRequest.newBuilder(readiness).timeout(REQUEST_TIMEOUT).GET().build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits until {@code name} is {@link #ready}; throws {@link IllegalStateException} pointing at
     * {@code log} if its process exits first or {@code timeout} (counted from {@code startedNanos},
     * a {@link System#nanoTime()}) passes.
     */
    public void await(String name, URI readiness, Process process, long startedNanos, Duration timeout, Path log) {
        long deadline = startedNanos + timeout.toNanos();
        while (!ready(readiness)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + "; see " + log);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + " s; see " + log);
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
