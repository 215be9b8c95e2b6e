package dev.rlhfloop.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #13's trainer failover with the packaged trainer: two trainers of the live line on one broker,
 * sharing one data directory. The first holds the line; it is SIGKILLed while pairs wait; the standby
 * takes over from the shared checkpoint, and a replay of the whole log on the survivor rebuilds every
 * live version with the same bytes: the line continued as if nothing had happened.
 */
class TrainerFailoverIT {
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final int PAIRS_PER_VERSION = 4;
    private static final Path WORK = Path.of("target/failover-it");

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> trainers = new ArrayList<>();
    private LocalKafka kafka;

    @Test
    void theStandbyTakesOverTheLineFromTheSharedCheckpointAndContinuesItBitForBit() throws Exception {
        ModelStore.deleteRecursively(WORK);
        Files.createDirectories(WORK);
        kafka = LocalKafka.onFreePorts(WORK.resolve("kafka")).logTo(WORK.resolve("kafka.log"));
        kafka.start();
        kafka.createTopics(Topics.ALL);
        String servers = kafka.bootstrapServers();

        int firstPort = freePort();
        Process first = launch("first", firstPort);
        RegistryReads.awaitVersion(servers, "1", WAIT); // the first trainer holds the line and bootstraps it
        int secondPort = freePort();
        launch("second", secondPort);
        KafkaTestClient.await("the second trainer waiting as a standby", WAIT,
                () -> "STANDBY".equals(training(secondPort).get("state")));

        AnimalPairs.send(servers, 0, PAIRS_PER_VERSION);
        RegistryReads.awaitVersion(servers, "2", WAIT);
        AnimalPairs.send(servers, PAIRS_PER_VERSION, PAIRS_PER_VERSION); // version 3's pairs: the first may be training them
        first.destroyForcibly();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the first trainer did not die on SIGKILL");

        RegistryReads.awaitVersion(servers, "3", WAIT);
        AnimalPairs.send(servers, 2 * PAIRS_PER_VERSION, PAIRS_PER_VERSION);
        ModelVersion v4 = RegistryReads.awaitVersion(servers, "4", WAIT);
        assertEquals((long) 3 * PAIRS_PER_VERSION, v4.trainedOn().offsets().get(Topics.PREFERENCE_PAIRS + ":0"),
                "version 4 ends where the twelve pairs end: none lost, none trained twice");
        assertEquals(3 * PAIRS_PER_VERSION, v4.trainedOn().votes());

        // The replay machinery's verdict: the same pairs, seed and settings from the beginning give the same bytes.
        post(secondPort, "/api/replays", "{\"from\": \"BEGINNING\", \"line\": \"again\"}", 202);
        KafkaTestClient.await("the replay done", WAIT, () -> get(secondPort, "/api/replays").contains("\"state\":\"DONE\""));
        Map<String, String> shaById = KafkaTestClient.readUntil(servers, Topics.MODEL_VERSIONS, ModelVersion.class,
                        v -> v.stream().anyMatch(x -> x.versionId().equals("again-4")), WAIT).stream()
                .collect(Collectors.toMap(ModelVersion::versionId, v -> v.weights().sha256(), (a, b) -> {
                    assertEquals(a, b, "a version announced twice with different weights");
                    return a;
                }));
        for (int n = 2; n <= 4; n++) {
            assertEquals(shaById.get(Integer.toString(n)), shaById.get("again-" + n), "version " + n + " equals its uninterrupted replay");
        }
        assertEquals("IDLE", training(secondPort).get("state"));
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (Process p : trainers) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        if (kafka != null) kafka.close();
    }

    /** A packaged trainer with the unit tests' fast settings, on the shared data directory. */
    private Process launch(String name, int port) throws IOException {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx512m",
                "-Dquarkus.http.port=" + port,
                "-Dkafka.bootstrap.servers=" + kafka.bootstrapServers(),
                "-Drlhf.trainer.data-dir=" + WORK.resolve("shared").toAbsolutePath(),
                "-Drlhf.trainer.bootstrap.size=tiny",
                "-Drlhf.trainer.pairs-per-version=" + PAIRS_PER_VERSION,
                "-Drlhf.trainer.max-wait=10m",
                "-Drlhf.trainer.dpo.batch-size=4",
                "-Drlhf.trainer.lease-timeout=6s",
                // both trainers take the same admin token (the replay below is an admin action)
                "-Drlhf.admin-token=" + ADMIN_TOKEN, "-Drlhf.session-secret=failover-test-secret",
                "-jar", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(WORK.resolve(name + ".log").toFile())
                .start();
        trainers.add(process);
        return process;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> training(int port) {
        try {
            return Json.read(get(port, "/api/training"), Map.class);
        } catch (RuntimeException e) {
            return Map.of(); // not up yet
        }
    }

    private String get(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static final String ADMIN_TOKEN = "failover-test-admin-token";

    private void post(int port, String path, String json, int status) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(status, answer.statusCode(), answer.body());
    }

    private static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
