package dev.rlhfloop.stack;

import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.Sessions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code ./rlhf-loop up | status | down}: runs the whole RLHF loop on this machine. {@code up} starts
 * the broker, the three services and the web app as child processes (logs in {@code logs/}, data in
 * {@code run/}), waits until each is ready, prints the URL and a line whenever a status changes,
 * restarts a child that dies (with back-off, {@link Supervisor}), and stops everything on Ctrl-C or SIGTERM.
 */
public final class Stack {
    static final int KAFKA_PORT = 9092;
    static final int KAFKA_CONTROLLER_PORT = 9093;
    static final String URL = "http://localhost:8080";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    /** The supervisor's view of every child (Supervisor), which the web app serves. */
    static final String LAUNCHER_STATUS = "launcher-status.json";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Path home;
    private final Path runDir;
    private final Path logDir;
    private final HealthProbe probe = new HealthProbe();
    private final Map<Component, Process> processes = new LinkedHashMap<>();
    private LocalKafka kafka;
    private volatile boolean stopping;

    Stack(Path home, Path runDir, Path logDir) {
        this.home = home;
        this.runDir = runDir;
        this.logDir = logDir;
    }

    public static void main(String[] args) {
        Path home = Path.of(System.getProperty("rlhfloop.home", ".")).toAbsolutePath().normalize();
        Path runDir = Path.of(System.getProperty("rlhfloop.run", home.resolve("run").toString())).toAbsolutePath();
        Path logDir = Path.of(System.getProperty("rlhfloop.logs", home.resolve("logs").toString())).toAbsolutePath();
        Stack stack = new Stack(home, runDir, logDir);
        String command = args.length == 0 ? "up" : args[0];
        int exit = switch (command) {
            case "up" -> stack.up();
            case "status" -> stack.status();
            case "down" -> stack.down();
            default -> {
                System.err.println("unknown command '" + command + "'; usage: rlhf-loop [up|status|down]");
                yield 2;
            }
        };
        System.exit(exit);
    }

    /** Starts everything, then watches until a signal (returns only on failure). */
    int up() {
        Optional<Long> running = runningLauncher();
        if (running.isPresent()) {
            System.err.println("rlhf-loop is already running (pid " + running.get() + "); stop it with ./rlhf-loop down");
            return 1;
        }
        for (Component c : Component.ALL) {
            if (!Files.exists(c.jar(home))) {
                System.err.println(c.jar(home) + " is missing; build first: mvn -q install -DskipTests");
                return 1;
            }
        }
        List<String> busy = new ArrayList<>();
        for (int port : ports()) if (!isFree(port)) busy.add(String.valueOf(port));
        if (!busy.isEmpty()) {
            System.err.println("port(s) " + String.join(", ", busy) + " on 127.0.0.1 are in use; "
                    + "is another rlhf-loop or service running? (./rlhf-loop status)");
            return 1;
        }
        long t0 = System.nanoTime();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "rlhf-loop-stop"));
        boolean firstStart = !Files.exists(authDir().resolve("admin-token")) && System.getenv("RLHF_ADMIN_TOKEN") == null;
        try {
            Files.createDirectories(runDir);
            Files.createDirectories(logDir);
            writePidFile();
            System.out.println("starting Kafka (logs in " + home.relativize(logDir) + "/)");
            kafka = LocalKafka.on(KAFKA_PORT, KAFKA_CONTROLLER_PORT, runDir.resolve("kafka"))
                    .logTo(logDir.resolve("kafka.log"))
                    .ownSession(true)
                    .stopOnExit(false); // stopAll stops it, after the services
            kafka.start();
            kafka.createTopics(Topics.ALL);
            System.out.printf("  kafka ready on %s (%.1f s)%n", kafka.bootstrapServers(), seconds(t0));
            for (Component c : Component.ALL) processes.put(c, launch(c, false));
            writePidFile();
            for (Component c : Component.ALL) {
                awaitReady(c, t0);
                System.out.printf("  %s ready on :%d (%.1f s)%n", c.name(), c.port(), seconds(t0));
            }
        } catch (IOException | RuntimeException e) {
            if (stopping) return 0; // stopped while starting: the shutdown hook reports it
            System.err.println("rlhf-loop could not start: " + e.getMessage());
            return 1;
        }
        System.out.printf("%nrlhf-loop is up in %.1f s: open %s   (Ctrl-C stops everything)%n%n", seconds(t0), URL);
        if (firstStart) printAdminLogin();
        return watch();
    }

    /** Prints a status line whenever something changes, and restarts (with back-off) what dies, until stopped. */
    private int watch() {
        Supervisor supervisor = new Supervisor(runDir.resolve(LAUNCHER_STATUS), line -> System.out.println(now() + " " + line));
        supervisor.watch(new Supervisor.Child("kafka", kafka::isRunning, kafka::start));
        for (Component c : Component.ALL) {
            supervisor.watch(new Supervisor.Child(c.name(), () -> processes.get(c).isAlive(), () -> {
                processes.put(c, launch(c, true));
                writePidFile();
            }));
        }
        supervisor.writeStatus();
        String last = "";
        while (!stopping) {
            // Ctrl-C reaches the children too: give the shutdown hook a moment to say so before restarting anything.
            boolean someoneDied = !kafka.isRunning() || processes.values().stream().anyMatch(p -> !p.isAlive());
            if (someoneDied) sleep(Duration.ofMillis(500));
            if (stopping) break;
            supervisor.check(Instant.now());
            String status = statusLine();
            if (!status.equals(last) && !stopping) {
                System.out.println(now() + " " + status);
                last = status;
            }
            sleep(Duration.ofSeconds(1));
        }
        return 0;
    }

    int status() {
        Optional<Long> launcher = runningLauncher();
        System.out.println(launcher.map(pid -> "rlhf-loop is running (pid " + pid + ")").orElse("rlhf-loop is not running"));
        System.out.println(statusLine());
        if (launcher.isPresent()) {
            try {
                System.out.println("supervisor: " + Files.readString(runDir.resolve(LAUNCHER_STATUS)));
            } catch (IOException e) {
                // an older launcher, or not written yet
            }
        }
        return launcher.isPresent() ? 0 : 3;
    }

    /** Stops a running {@code up} by signalling it, and waits until it and its children are gone. */
    int down() {
        Optional<Long> launcher = runningLauncher();
        if (launcher.isEmpty()) {
            System.out.println("rlhf-loop is not running");
            return 0;
        }
        ProcessHandle handle = ProcessHandle.of(launcher.get()).orElseThrow();
        List<ProcessHandle> children = handle.descendants().toList();
        handle.destroy();
        handle.onExit().orTimeout(60, TimeUnit.SECONDS).exceptionally(e -> null).join();
        for (ProcessHandle child : children) if (child.isAlive()) child.destroyForcibly();
        System.out.println(handle.isAlive() ? "rlhf-loop did not stop (pid " + handle.pid() + ")" : "rlhf-loop stopped");
        return handle.isAlive() ? 1 : 0;
    }

    /** Starts a service; a restart keeps its log (the crash is in it) and marks where the new run begins. */
    private Process launch(Component c, boolean restart) throws IOException {
        String bootstrap = "127.0.0.1:" + KAFKA_PORT;
        // Own session: a terminal's Ctrl-C reaches only this launcher, which stops services, then broker.
        List<String> command = new ArrayList<>(Sessions.prefix());
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // The services run llm-core's Vector API kernels, compiled by C2 (never dev mode's C1).
                "--add-modules", "jdk.incubator.vector",
                "-Dkafka.bootstrap.servers=" + bootstrap,
                "-Drlhfloop.data.dir=" + runDir.resolve(c.name()),
                // The session secret and admin token every service shares (generated there at first start).
                "-Drlhfloop.auth.dir=" + authDir(),
                // the web app shows the launcher's restarts on its status badge (GET /api/launcher)
                "-Drlhf.web.launcher-status=" + runDir.resolve(LAUNCHER_STATUS)));
        command.addAll(c.jvmOptions());
        command.addAll(List.of("-jar", c.jar(home).toString()));
        Files.createDirectories(runDir.resolve(c.name()));
        Path log = logDir.resolve(c.name() + ".log");
        if (restart) {
            Files.writeString(log, "\n--- " + now() + " restarted by the launcher ---\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } else {
            Files.writeString(log, "");
        }
        return new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    private void awaitReady(Component c, long t0) {
        probe.await(c.name(), c.readiness(), processes.get(c), t0, READY_TIMEOUT, logDir.resolve(c.name() + ".log"));
    }

    private String statusLine() {
        String kafkaState = isFree(KAFKA_PORT) ? "down" : "up";
        return "kafka " + kafkaState + " · " + Component.ALL.stream()
                .map(c -> c.name() + " " + (probe.ready(c.readiness()) ? "ready" : isFree(c.port()) ? "down" : "not ready"))
                .collect(Collectors.joining(" · "));
    }

    /** Services first (so they do not log the broker's absence), then the broker. */
    private void stopAll() {
        stopping = true;
        if (processes.isEmpty() && kafka == null) return;
        System.out.println(now() + " stopping rlhf-loop ...");
        processes.values().forEach(Process::destroy);
        for (var entry : processes.entrySet()) {
            Process p = entry.getValue();
            try {
                if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    System.out.println("  " + entry.getKey().name() + " did not stop in time; killing it");
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        if (kafka != null) kafka.stop();
        try {
            Files.deleteIfExists(pidFile());
        } catch (IOException e) {
            // nothing to clean up then
        }
        System.out.println(now() + " rlhf-loop stopped");
    }

    private void writePidFile() throws IOException {
        StringBuilder text = new StringBuilder("launcher " + ProcessHandle.current().pid() + "\n");
        processes.forEach((c, p) -> text.append(c.name()).append(' ').append(p.pid()).append('\n'));
        Files.writeString(pidFile(), text.toString(), StandardCharsets.UTF_8);
    }

    private Optional<Long> runningLauncher() {
        try {
            if (!Files.exists(pidFile())) return Optional.empty();
            for (String line : Files.readAllLines(pidFile())) {
                String[] parts = line.split(" ");
                if (parts.length == 2 && parts[0].equals("launcher")) {
                    long pid = Long.parseLong(parts[1]);
                    boolean alive = ProcessHandle.of(pid)
                            .filter(ProcessHandle::isAlive)
                            .filter(h -> h.info().commandLine().map(cmd -> cmd.contains("dev.rlhfloop.stack")
                                    || cmd.contains("rlhf-loop-stack")).orElse(true))
                            .isPresent();
                    return alive && pid != ProcessHandle.current().pid() ? Optional.of(pid) : Optional.empty();
                }
            }
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private Path authDir() {
        return runDir.resolve("auth");
    }

    /** Once, at the first start (as Jupyter does): the admin's login link; later the token is in run/auth/admin-token. */
    private void printAdminLogin() {
        try {
            String token = Files.readString(authDir().resolve("admin-token")).strip();
            System.out.printf("Admin (replays, weights, raters): open this link once to sign this browser in as the admin;%n"
                    + "it is not shown again (the token is in %s, readable by you only):%n    %s/login?token=%s%n%n",
                    home.relativize(authDir().resolve("admin-token")), URL, token);
        } catch (IOException e) {
            System.out.println("the admin token is in " + authDir().resolve("admin-token"));
        }
    }

    private Path pidFile() {
        return runDir.resolve("rlhf-loop.pid");
    }

    private static List<Integer> ports() {
        List<Integer> ports = new ArrayList<>(List.of(KAFKA_PORT, KAFKA_CONTROLLER_PORT));
        Component.ALL.forEach(c -> ports.add(c.port()));
        return ports;
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String now() {
        return LocalTime.now().format(CLOCK);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
