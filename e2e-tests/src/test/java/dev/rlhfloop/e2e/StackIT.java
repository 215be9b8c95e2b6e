package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Starts the packaged stack exactly as {@code ./rlhf-loop up} does (real broker, every service's
 * quarkus-run.jar), checks that each is ready, sends one event through all three services, then
 * interrupts the launcher and checks that no process it started is left. An integration test
 * (failsafe, {@code mvn verify}): it runs the quarkus-run.jar files that {@code package} builds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackIT {
    static final Map<String, Integer> PORTS = Map.of(
            "web", 8080, "inference-service", 8081, "feedback-service", 8082, "trainer-service", 8083);
    static final Path HOME = Path.of(System.getProperty("rlhfloop.home", "..")).toAbsolutePath().normalize();
    static final Path WORK = Path.of(System.getProperty("rlhfloop.e2e.dir", "target/e2e")).toAbsolutePath();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static Process launcher;
    static final StringBuffer output = new StringBuffer();
    static double secondsToHealthy;

    @BeforeAll
    static void startStack() throws Exception {
        Path jar = HOME.resolve("stack/target/rlhf-loop-stack.jar");
        assertTrue(Files.exists(jar), jar + " is missing: run the reactor build (mvn verify) from the root");
        Files.createDirectories(WORK);
        launcher = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Drlhfloop.home=" + HOME,
                "-Drlhfloop.run=" + WORK.resolve("run"),
                "-Drlhfloop.logs=" + WORK.resolve("logs"),
                "-jar", jar.toString(), "up")
                .redirectErrorStream(true)
                .start();
        Thread reader = new Thread(() -> {
            try (var in = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    System.out.println("[rlhf-loop] " + line);
                    output.append(line).append('\n');
                }
            } catch (IOException ignored) {
                // the launcher is gone
            }
        }, "rlhf-loop-output");
        reader.setDaemon(true);
        reader.start();

        Pattern up = Pattern.compile("rlhf-loop is up in ([0-9.]+) s");
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = up.matcher(output);
            if (m.find()) {
                secondsToHealthy = Double.parseDouble(m.group(1));
                System.out.printf("stack healthy in %.1f s%n", secondsToHealthy);
                return;
            }
            if (!launcher.isAlive()) fail("the launcher exited with " + launcher.exitValue() + ":\n" + output);
            Thread.sleep(200);
        }
        fail("the stack was not healthy within 5 minutes:\n" + output);
    }

    @AfterAll
    static void stopStack() {
        if (launcher == null || !launcher.isAlive()) return;
        List<ProcessHandle> children = launcher.descendants().toList();
        launcher.destroy();
        try {
            launcher.waitFor(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
        launcher.destroyForcibly();
    }

    @Test
    @Order(1)
    void everyComponentIsReadyAndSeesTheBroker() throws Exception {
        for (var entry : PORTS.entrySet()) {
            HttpResponse<String> response = get(entry.getValue(), "/q/health/ready");
            assertEquals(200, response.statusCode(), entry.getKey() + ": " + response.body());
        }
        for (String service : SmokePing.ALL_THREE) {
            assertTrue(get(PORTS.get(service), "/q/health/ready").body().contains("Kafka broker"), service);
        }
    }

    @Test
    @Order(2)
    void aSmokePingTravelsThroughAllThreeServices() throws Exception {
        SmokePing.assertTravelsThroughAllThree(HTTP, uri(8081, "/"), uri(8083, "/"), Duration.ofSeconds(60));
    }

    @Test
    @Order(3)
    void interruptStopsEverythingAndLeavesNoProcess() throws Exception {
        List<ProcessHandle> started = launcher.children().toList();
        assertEquals(5, started.size(), "broker + 4 services expected, got " + started.stream()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
        List<ProcessHandle> children = launcher.descendants().toList();

        // A JVM keeps SIGINT ignored if it inherited it ignored (e.g. mvn started in the background
        // of a non-interactive shell); then Ctrl-C cannot reach it anyway, and SIGTERM is what counts.
        String signal = sigintIgnoredHere() ? "TERM" : "INT";
        if (signal.equals("TERM")) System.out.println("SIGINT is ignored in this environment; sending SIGTERM");
        new ProcessBuilder("kill", "-" + signal, String.valueOf(launcher.pid())).inheritIO().start().waitFor();

        assertTrue(launcher.waitFor(90, TimeUnit.SECONDS), "the launcher did not stop after SIG" + signal);
        for (ProcessHandle child : children) {
            assertTrue(child.onExit().completeOnTimeout(child, 10, TimeUnit.SECONDS).join() != null);
            assertFalse(child.isAlive(), "left behind: " + child.pid() + " " + child.info().commandLine().orElse(""));
        }
        assertTrue(output.toString().contains("rlhf-loop stopped"), output.toString());
        assertFalse(Files.exists(WORK.resolve("run/rlhf-loop.pid")), "pid file left behind");
    }

    private static boolean sigintIgnoredHere() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) return (Long.parseLong(line.substring(7).trim(), 16) & 2L) != 0;
        }
        return false;
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
