package dev.rlhfloop.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.LoopbackPorts;
import dev.rlhfloop.stack.HealthProbe;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A stack of a benchmark's own on free loopback ports: a broker and the four applications as child
 * JVMs from their {@code quarkus-run.jar}, data and logs under {@code work} (its {@code run/} and
 * {@code logs/} are wiped at the start). Each service gets the settings the benchmark names ({@code -Dkey=value});
 * the wiring between them (ports, broker, data directories, the gateway's routes) is set here.
 */
final class BenchStack implements AutoCloseable {
    static final List<String> SERVICES = List.of("inference-service", "feedback-service", "trainer-service", "web");

    private final Path home;
    private final Path work;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private LocalKafka kafka;

    BenchStack(Path home, Path work) {
        this.home = home;
        this.work = work;
    }

    /** The checkout {@code type} was built in: benchmarks/target/benchmarks.jar (or classes/) is two levels below the module. */
    static Path checkout(Class<?> type) throws Exception {
        if (System.getProperty("rlhfloop.home") != null) return Path.of(System.getProperty("rlhfloop.home")).toAbsolutePath().normalize();
        Path built = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        return built.getParent().getParent().getParent();
    }

    /**
     * Starts the broker (with {@link Topics#ALL} and {@code extraTopics}) and the applications with
     * {@code settings} per service, and waits until each is ready.
     */
    void start(Map<String, Map<String, String>> settings, List<Topics.Spec> extraTopics) throws Exception {
        deleteRecursively(work.resolve("run"));
        deleteRecursively(work.resolve("logs")); // one run's logs: benchmarks read them
        Files.createDirectories(work.resolve("logs"));
        for (String service : SERVICES) {
            if (!Files.exists(jar(service))) throw new IllegalStateException(jar(service) + " is missing: build first (mvn -q package -DskipTests)");
            ports.put(service, LoopbackPorts.free());
        }
        long t0 = System.nanoTime();
        kafka = LocalKafka.onFreePorts(work.resolve("run/kafka")).logTo(log("kafka"));
        kafka.start();
        kafka.createTopics(Topics.ALL);
        if (!extraTopics.isEmpty()) kafka.createTopics(extraTopics);
        for (String service : SERVICES) launch(service, settings.getOrDefault(service, Map.of()));
        HealthProbe probe = new HealthProbe();
        for (int i = 0; i < SERVICES.size(); i++) {
            String service = SERVICES.get(i);
            probe.await(service, URI.create(url(service) + "/q/health/ready"), processes.get(i), t0, Duration.ofMinutes(3), log(service));
        }
        System.out.printf("stack ready on free ports %s, broker %s (%.1f s); logs in %s%n", ports, kafka.bootstrapServers(),
                (System.nanoTime() - t0) / 1e9, work.resolve("logs"));
    }

    /** Waits until the registry (through the gateway) lists a first model, e.g. while the trainer bootstraps one. */
    void awaitFirstModel(HttpClient http, Duration patience) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + patience.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> models;
            try {
                models = http.send(HttpRequest.newBuilder(URI.create(url("web") + "/api/models"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (java.net.http.HttpTimeoutException slow) {
                continue; // a busy machine: ask again
            }
            if (models.statusCode() == 200) {
                JsonNode list = Json.MAPPER.readTree(models.body());
                if ((list.isArray() && !list.isEmpty()) || list.path("versions").size() > 0) {
                    System.out.printf("the trainer published its first model (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
                    return;
                }
            }
            Thread.sleep(2000);
        }
        throw new IllegalStateException("no model after " + patience.toMinutes() + " minutes; see " + log("trainer-service"));
    }

    private void launch(String service, Map<String, String> settings) throws IOException {
        Path data = work.resolve("run/" + service);
        Files.createDirectories(data);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector",
                "-Dkafka.bootstrap.servers=" + kafka.bootstrapServers(),
                "-Dquarkus.http.port=" + ports.get(service),
                "-Drlhfloop.data.dir=" + data,
                "-Drlhfloop.auth.dir=" + work.resolve("run/auth")));
        switch (service) {
            case "web" -> {
                command.add("-Drlhf.services.inference=" + url("inference-service"));
                command.add("-Drlhf.services.feedback=" + url("feedback-service"));
                command.add("-Drlhf.services.trainer=" + url("trainer-service"));
            }
            case "trainer-service" -> command.add("-Drlhf.trainer.public-url=" + url(service));
            case "inference-service" -> command.add("-Drlhf.inference.download-dir=" + data.resolve("models"));
            default -> { }
        }
        settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar(service).toString()));
        processes.add(new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(service).toFile())).start());
    }

    @Override
    public synchronized void close() {
        for (Process p : processes) p.destroy();
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        if (kafka != null) kafka.stop();
        kafka = null;
    }

    LocalKafka kafka() {
        return kafka;
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    String url(String service) {
        return "http://127.0.0.1:" + ports.get(service);
    }

    Map<String, Integer> ports() {
        return ports;
    }

    /** A service's (or the broker's) log file. */
    Path log(String name) {
        return work.resolve("logs/" + name + ".log");
    }

    private Path jar(String service) {
        return home.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(path);
        }
    }

    static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
