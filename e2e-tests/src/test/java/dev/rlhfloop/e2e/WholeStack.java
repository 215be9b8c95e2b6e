package dev.rlhfloop.e2e;

import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.LoopbackPorts;
import dev.rlhfloop.stack.HealthProbe;
import dev.rlhfloop.stack.Supervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The packaged stack for a test that must control each service: a real broker and the four
 * quarkus-run.jar files as child JVMs on free ports (so a developer's own {@code ./rlhf-loop up}
 * or another test run on this machine does not collide), each killable and restartable on its
 * own. {@code ./rlhf-loop up} cannot do that: its launcher restarts a child that dies (Supervisor).
 * The broker can be kept under that supervisor as the launcher keeps it ({@link #superviseBroker()}).
 * A service can run as several instances behind the gateway ({@link #instances(String, int)}):
 * the first is called by the service's name, the others {@code name-2}, {@code name-3}, ...
 * Several trainers share one data directory, as the trainers of a line must (the standby continues
 * from the holder's checkpoint: trainer-service/README.md).
 */
final class WholeStack implements AutoCloseable {
    static final List<String> SERVICES = List.of("inference-service", "feedback-service", "trainer-service", "web");
    /** Seven or eight JVMs starting at once on two cores shared with other builds each took ~190 s to start (2026-12-06). */
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);

    private final Path home;
    private final Path work;
    private final Map<String, List<String>> extraOptions;
    private final Map<String, Integer> instanceCounts = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final HealthProbe probe = new HealthProbe();
    private LocalKafka kafka;
    private boolean superviseBroker;
    private final List<String> launcherLog = new CopyOnWriteArrayList<>();
    private volatile Thread supervising;
    private volatile long startedNanos;

    /**
     * @param extraOptions per service, JVM options added to its command line (e.g. the trainer's
     *                     small bootstrap settings as {@code -Dkey=value})
     */
    WholeStack(Path home, Path work, Map<String, List<String>> extraOptions) {
        this.home = home;
        this.work = work;
        this.extraOptions = extraOptions;
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /**
     * Keeps the broker under the launcher's {@link Supervisor}, checked twice a second: a broker that
     * dies is started again on its ports and data with the launcher's back-off, and the web app serves
     * the supervisor's status file ({@code GET /api/launcher}). Call before {@link #start()}.
     */
    WholeStack superviseBroker() {
        superviseBroker = true;
        return this;
    }

    /** Runs {@code count} instances of {@code service} instead of one; call before {@link #start()}. */
    WholeStack instances(String service, int count) {
        instanceCounts.put(service, count);
        return this;
    }

    /** The instances of {@code service} by name, e.g. [inference-service, inference-service-2]. */
    List<String> instancesOf(String service) {
        List<String> names = new ArrayList<>();
        for (int n = 1; n <= instanceCounts.getOrDefault(service, 1); n++) names.add(n == 1 ? service : service + "-" + n);
        return names;
    }

    private static String serviceOf(String instance) {
        return SERVICES.stream().filter(s -> instance.equals(s) || instance.startsWith(s + "-")).findFirst().orElseThrow();
    }

    /** Starts the broker and every service, and waits until each answers its readiness check. */
    WholeStack start() throws IOException {
        for (String service : SERVICES) {
            Path jar = jar(service);
            if (!Files.exists(jar)) throw new IllegalStateException(jar + " is missing: run the reactor build (mvn verify) from the root");
            for (String instance : instancesOf(service)) ports.put(instance, LoopbackPorts.free());
        }
        // Every run starts from an empty log and no models: a previous run's broker data or trainer
        // checkpoints would otherwise be picked up (a second `mvn verify` without `clean`). The
        // services' logs start empty too (a restart within the run appends), so a failure's report
        // shows this run's lines.
        deleteRecursively(work.resolve("run"));
        deleteRecursively(work.resolve("logs"));
        Files.createDirectories(work.resolve("logs"));
        // A test JVM that dies must not leave services behind.
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "whole-stack-stop"));
        long t0 = System.nanoTime();
        startedNanos = t0;
        kafka = LocalKafka.onFreePorts(work.resolve("run/kafka")).logTo(work.resolve("logs/kafka.log"));
        kafka.start();
        kafka.createTopics(Topics.ALL);
        log("kafka ready on %s (%.1f s)", kafka.bootstrapServers(), seconds(t0));
        if (superviseBroker) startSupervisor();
        for (String instance : ports.keySet()) launch(instance);
        for (String instance : ports.keySet()) {
            awaitReady(instance);
            log("%s ready on :%d (%.1f s)", instance, ports.get(instance), seconds(t0));
        }
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + ports.get("web");
    }

    URI url(String service, String path) {
        return URI.create("http://127.0.0.1:" + ports.get(service) + path);
    }

    /** The admin token the first service to start generated (docs/security.md): for admin verbs and checks. */
    String adminToken() {
        try {
            return Files.readString(work.resolve("run/auth/admin-token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path launcherStatus() {
        return work.resolve("run/launcher-status.json");
    }

    private void startSupervisor() {
        Supervisor supervisor = new Supervisor(launcherStatus(), line -> {
            launcherLog.add(line);
            log("launcher: %s", line);
        }).watch(new Supervisor.Child("kafka", kafka::isRunning, kafka::start));
        supervisor.writeStatus();
        Thread thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                supervisor.check(Instant.now());
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "whole-stack-supervisor");
        thread.setDaemon(true);
        thread.start();
        supervising = thread;
    }

    /** What the supervisor said so far, one line per event ("kafka exited; ...", "kafka restarted (restart 1)"). */
    List<String> launcherLog() {
        return List.copyOf(launcherLog);
    }

    /** SIGKILL to the broker, then waits until it is gone (the supervisor, if any, brings it back). */
    void killBroker() throws InterruptedException {
        ProcessHandle broker = ProcessHandle.of(kafka.pid()).orElseThrow();
        broker.destroyForcibly();
        broker.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        log("kafka killed (SIGKILL)");
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    Path log(String service) {
        return work.resolve("logs/" + service + ".log");
    }

    /**
     * What each process of the stack is doing, for a failed test's output: alive or its exit code,
     * and the end of its log (CI shows the test output, not the logs under target/).
     */
    String report(int lines) {
        StringBuilder report = new StringBuilder(String.format("the stack, started %.0f s ago:%n", seconds(startedNanos)));
        report.append("kafka: ").append(kafka == null ? "not started" : kafka.isRunning() ? "running" : "not running").append('\n');
        for (var entry : processes.entrySet()) {
            Process process = entry.getValue();
            String state = process.isAlive() ? "running (pid " + process.pid() + ")" : "exited with code " + process.exitValue();
            report.append("---- ").append(entry.getKey()).append(": ").append(state).append(", last lines of ")
                    .append(log(entry.getKey())).append('\n').append(LogTail.of(log(entry.getKey()), lines)).append('\n');
        }
        return report.toString();
    }

    /** SIGKILL: no shutdown hook, no flush, no offset commit — a crash. */
    void kill(String service) throws InterruptedException {
        Process process = processes.get(service);
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException(service + " did not die after SIGKILL");
        log("%s killed (SIGKILL, exit %d)", service, process.exitValue());
    }

    /** Starts a service again with the same settings and data directory, and waits until it is ready. */
    void restart(String service) throws IOException {
        long t0 = System.nanoTime();
        launch(service);
        awaitReady(service);
        log("%s restarted and ready (%.1f s)", service, seconds(t0));
    }

    /**
     * Waits until the gateway's {@code /api/status} reaches every service. A trainer busy with an
     * update on a loaded machine can miss the gateway's 2 s health timeout for a while.
     */
    void awaitGatewaySeesEveryService() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> status = http.send(HttpRequest.newBuilder(url("web", "/api/status"))
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                body = status.body();
                if (status.statusCode() == 200 && !body.contains("\"reachable\":false")) return;
            } catch (IOException e) {
                body = e.toString();
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("the gateway did not reach every service within 2 minutes: " + body);
    }

    /** The gateway's setting for a service: each of its instances' URL, comma-separated. */
    private String urls(String service) {
        return String.join(",", instancesOf(service).stream().map(i -> "http://127.0.0.1:" + ports.get(i)).toList());
    }

    private void launch(String instance) throws IOException {
        String service = serviceOf(instance);
        Path dataDir = work.resolve("run/" + (service.equals("trainer-service") ? service : instance));
        Files.createDirectories(dataDir);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector",
                "-Dkafka.bootstrap.servers=" + kafka.bootstrapServers(),
                "-Dquarkus.http.port=" + ports.get(instance),
                "-Drlhfloop.data.dir=" + dataDir,
                // One session secret and admin token for every service, as ./rlhf-loop up shares run/auth.
                "-Drlhfloop.auth.dir=" + work.resolve("run/auth")));
        if (service.equals("web")) {
            command.add("-Xmx256m");
            command.add("-Drlhf.services.inference=" + urls("inference-service"));
            command.add("-Drlhf.services.feedback=" + urls("feedback-service"));
            command.add("-Drlhf.services.trainer=" + urls("trainer-service"));
            if (superviseBroker) command.add("-Drlhf.web.launcher-status=" + launcherStatus());
        }
        if (service.equals("feedback-service")) command.add("-Xmx768m");
        // The trainer announces weight URLs under its own port; inference keeps downloads in the run.
        if (service.equals("trainer-service")) command.add("-Drlhf.trainer.public-url=http://127.0.0.1:" + ports.get(instance));
        if (service.equals("inference-service")) {
            command.add("-Drlhf.inference.download-dir=" + dataDir.resolve("models"));
            // Named after the instance, so a test knows which process holds a comparison from its id.
            command.add("-Drlhf.inference.instance=" + instance);
        }
        command.addAll(extraOptions.getOrDefault(service, List.of()));
        command.addAll(List.of("-jar", jar(service).toString()));
        Process process = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(instance).toFile()))
                .start();
        processes.put(instance, process);
    }

    private void awaitReady(String service) {
        probe.await(service, url(service, "/q/health/ready"), processes.get(service), System.nanoTime(), READY_TIMEOUT, log(service));
    }

    /** The supervisor first (it would start the broker again), the services (so they do not log the broker's absence), then the broker. */
    @Override
    public synchronized void close() {
        Thread thread = supervising;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(TimeUnit.MINUTES.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.values().forEach(Process::destroy);
        for (var entry : processes.entrySet()) {
            try {
                if (!entry.getValue().waitFor(20, TimeUnit.SECONDS)) entry.getValue().destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                entry.getValue().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (kafka != null) kafka.stop();
    }

    private Path jar(String service) {
        return home.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static void log(String format, Object... args) {
        System.out.printf("[stack] " + format + "%n", args);
    }
}
