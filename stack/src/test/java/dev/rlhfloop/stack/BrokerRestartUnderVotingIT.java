package dev.rlhfloop.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #13's broker fault under the launcher's supervisor: the packaged feedback-service takes votes
 * from four voters while the broker is SIGKILLed; the supervisor starts the broker again, voting
 * resumes by itself, every vote answered 202 is on the topic once, and every refusal meanwhile was a
 * 503 with Retry-After (never a 500, never a hang).
 */
class BrokerRestartUnderVotingIT {
    private static final Path WORK = Path.of("target/broker-restart-it");
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final int VOTERS = 4;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> launcherLog = new CopyOnWriteArrayList<>();
    private LocalKafka kafka;
    private Process feedback;
    private volatile boolean voting = true;

    @Test
    void aKilledBrokerComesBackUnderTheSupervisorAndNoAcknowledgedVoteIsLost() throws Exception {
        deleteRecursively(WORK);
        Files.createDirectories(WORK);
        kafka = LocalKafka.onFreePorts(WORK.resolve("kafka")).logTo(WORK.resolve("kafka.log"));
        kafka.start();
        kafka.createTopics(Topics.ALL);
        int port = freePort();
        feedback = launchFeedback(port);
        KafkaTestClient.await("feedback-service ready", WAIT, () -> status(get(port, "/q/health/ready")) == 200);

        Supervisor supervisor = new Supervisor(WORK.resolve(Stack.LAUNCHER_STATUS), launcherLog::add)
                .watch(new Supervisor.Child("kafka", kafka::isRunning, kafka::start));
        Thread supervising = new Thread(() -> {
            while (voting) {
                supervisor.check(Instant.now());
                sleep(500);
            }
        });
        supervising.start();

        Set<String> accepted = ConcurrentHashMap.newKeySet();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        List<Thread> voters = new ArrayList<>();
        for (int v = 0; v < VOTERS; v++) {
            int voter = v;
            Thread t = new Thread(() -> vote(port, voter, accepted, statuses, problems));
            t.start();
            voters.add(t);
        }
        KafkaTestClient.await("votes accepted before the kill", WAIT, () -> accepted.size() >= 40);
        ProcessHandle.of(kafka.pid()).orElseThrow().destroyForcibly();
        KafkaTestClient.await("the broker to die", WAIT, () -> !kafka.isRunning());
        int beforeRestart = accepted.size();
        KafkaTestClient.await("the supervisor to restart the broker", WAIT, () -> launcherLog.stream().anyMatch(l -> l.contains("kafka restarted")));
        KafkaTestClient.await("voting to resume by itself", WAIT, () -> accepted.size() >= beforeRestart + 40);
        voting = false;
        for (Thread t : voters) t.join(30_000);
        supervising.join(10_000);

        assertEquals(List.of(), problems, "every answer is a 202 or a 503 with Retry-After");
        assertTrue(statuses.keySet().stream().allMatch(s -> s == 202 || s == 503), "statuses: " + statuses);
        Map<String, Long> onTopic = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.VOTES, VoteEvent.class,
                        votes -> votes.stream().map(VoteEvent::voteId).collect(Collectors.toSet()).containsAll(accepted), WAIT)
                .stream().collect(Collectors.groupingBy(VoteEvent::voteId, Collectors.counting()));
        assertTrue(onTopic.keySet().containsAll(accepted), "an acknowledged vote is missing from the topic");
        assertTrue(accepted.stream().allMatch(id -> onTopic.get(id) == 1), "an acknowledged vote is on the topic twice");
        String launcherStatus = Files.readString(WORK.resolve(Stack.LAUNCHER_STATUS));
        assertTrue(launcherStatus.contains("\"state\":\"RUNNING\"") && launcherStatus.contains("\"restarts\":1"), launcherStatus);
        System.out.printf("votes: %d accepted (%d before the kill), statuses %s; launcher: %s%n", accepted.size(), beforeRestart,
                statuses, launcherLog);
    }

    /** Distinct comparisons, so every 202 is a new vote; a refused vote is not retried (the counts stay exact). */
    private void vote(int port, int voter, Set<String> accepted, Map<Integer, AtomicInteger> statuses, List<String> problems) {
        String token;
        try {
            token = session(port);
        } catch (IOException | InterruptedException e) {
            problems.add("voter " + voter + " got no session: " + e);
            return;
        }
        for (int n = 0; voting; n++) {
            String body = "{\"comparisonId\": \"cmp-%d-%d\", \"choice\": \"A\"}".formatted(voter, n);
            try {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/votes"))
                        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                statuses.computeIfAbsent(answer.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                if (answer.statusCode() == 202) {
                    accepted.add(String.valueOf(Json.read(answer.body(), Map.class).get("voteId")));
                } else if (answer.statusCode() == 503) {
                    if (answer.headers().firstValue("Retry-After").isEmpty()) problems.add("503 without Retry-After: " + answer.body());
                    sleep(200);
                } else {
                    problems.add(answer.statusCode() + ": " + answer.body());
                }
            } catch (IOException e) {
                problems.add("no answer: " + e); // a hang past 30 s or a refused connection
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A rater session of its own, as every voter has (the vote's rater is the session's). */
    private String session(int port) throws IOException, InterruptedException {
        HttpResponse<String> opened = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/session"))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (opened.statusCode() != 201) throw new IOException("POST /api/session: " + opened.statusCode() + " " + opened.body());
        return String.valueOf(Json.read(opened.body(), Map.class).get("token"));
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        voting = false;
        if (feedback != null) {
            feedback.destroy();
            if (!feedback.waitFor(20, TimeUnit.SECONDS)) feedback.destroyForcibly();
        }
        if (kafka != null) kafka.close();
    }

    private Process launchFeedback(int port) throws IOException {
        Path home = Path.of(System.getProperty("rlhfloop.home", "..")).toAbsolutePath().normalize();
        Component component = Component.ALL.stream().filter(c -> c.name().equals("feedback-service")).findFirst().orElseThrow();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + port,
                "-Dkafka.bootstrap.servers=" + kafka.bootstrapServers(),
                // the voters vote on comparisons no inference service wrote: the path to Kafka is the same
                "-Dfeedback.votes.reject-unknown-comparisons=false",
                "-Drlhfloop.auth.dir=" + WORK.resolve("auth")));
        command.addAll(component.jvmOptions());
        command.addAll(List.of("-jar", component.jar(home).toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(WORK.resolve("feedback-service.log").toFile()).start();
    }

    private HttpResponse<String> get(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static int status(HttpResponse<String> answer) {
        return answer == null ? -1 : answer.statusCode();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(path);
        }
    }
}
