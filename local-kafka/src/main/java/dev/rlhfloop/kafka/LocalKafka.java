package dev.rlhfloop.kafka;

import dev.rlhfloop.contracts.Topics;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real single-node Apache Kafka broker (KRaft, broker and controller in one process) running
 * Kafka's own jars in a child JVM, with its own data directory. It can be stopped and started
 * again on the same ports and data, which is what a recovery test or a restarted local run needs.
 *
 * <pre>
 * try (LocalKafka kafka = LocalKafka.onFreePorts(dir).start()) {
 *     kafka.createTopics(Topics.ALL);
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * </pre>
 */
public final class LocalKafka implements AutoCloseable {
    static final String HOST = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private Path logFile;
    private boolean stopOnExit = true;
    private boolean ownSession;
    private Process process;
    private Thread shutdownHook;

    private LocalKafka(int port, int controllerPort, Path dataDir) {
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir.toAbsolutePath();
        this.logFile = this.dataDir.resolve("broker.log");
    }

    /** A broker on the given client and controller ports; 0 picks a free port. */
    public static LocalKafka on(int port, int controllerPort, Path dataDir) {
        return new LocalKafka(port == 0 ? LoopbackPorts.free() : port, controllerPort == 0 ? LoopbackPorts.free() : controllerPort,
                dataDir);
    }

    public static LocalKafka onFreePorts(Path dataDir) {
        return on(0, 0, dataDir);
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The broker's own log (stdout and stderr of the child JVM), appended to across restarts. */
    public Path logFile() {
        return logFile;
    }

    /**
     * Whether a JVM shutdown hook stops the broker (the default). A caller that orders its own
     * shutdown (stop the services, then the broker) turns it off and calls {@link #stop()} itself.
     */
    public LocalKafka stopOnExit(boolean enabled) {
        this.stopOnExit = enabled;
        return this;
    }

    /**
     * Runs the broker in its own session (via {@code setsid}, where it exists), so a Ctrl-C in the
     * terminal reaches only the caller, which then stops things in its own order.
     */
    public LocalKafka ownSession(boolean enabled) {
        this.ownSession = enabled;
        return this;
    }

    /** Writes the broker's log to this file instead of {@code broker.log} in the data directory. */
    public LocalKafka logTo(Path file) {
        this.logFile = file.toAbsolutePath();
        return this;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        if (process == null) throw new IllegalStateException("broker not started");
        return process.pid();
    }

    /** Formats the data directory the first time, starts the broker and waits until it serves clients. */
    public synchronized LocalKafka start() {
        if (isRunning()) return this;
        long started = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
            Files.createDirectories(logFile.getParent());
            Path config = writeServerConfig();
            Path log4j = writeLog4jConfig();
            if (!Files.exists(dataDir.resolve("log").resolve("meta.properties"))) {
                format(config, log4j);
            }
            process = launch(log4j, "kafka.Kafka", config.toString()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Kafka broker in " + dataDir, e);
        }
        if (stopOnExit) {
            shutdownHook = new Thread(this::destroyChild, "local-kafka-stop");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        awaitReady(started);
        return this;
    }

    /** SIGTERM, then waits for a clean shutdown; kills the broker if it does not stop in time. */
    public synchronized void stop() {
        if (process == null) return;
        destroyChild();
        process = null;
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run already
            }
            shutdownHook = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Creates the topics that do not exist yet: compacted or kept forever as each spec says. */
    public void createTopics(List<Topics.Spec> specs) {
        try (Admin admin = admin()) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (Topics.Spec spec : specs) {
                if (existing.contains(spec.name())) continue;
                Map<String, String> configs = new HashMap<>();
                if (spec.compacted()) configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
                if (spec.keepForever()) configs.put(TopicConfig.RETENTION_MS_CONFIG, "-1");
                missing.add(new NewTopic(spec.name(), spec.partitions(), (short) 1).configs(configs));
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topics on " + bootstrapServers(), e);
        }
    }

    /** An admin client for this broker with short timeouts; the caller closes it. */
    public Admin admin() {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(config);
    }

    private void awaitReady(long startedNanos) {
        long deadline = startedNanos + READY_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the Kafka broker exited with code " + process.exitValue()
                            + " during start-up; see " + logFile() + "\n" + tail(logFile(), 20));
                }
                try {
                    if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(1_000))
                            .nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException notYet) {
                    // the broker is still starting
                }
                if (System.nanoTime() > deadline) {
                    stop();
                    throw new IllegalStateException("the Kafka broker was not ready within " + READY_TIMEOUT
                            + "; see " + logFile());
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
        }
    }

    private void destroyChild() {
        Process child = process;
        if (child == null || !child.isAlive()) return;
        child.destroy();
        try {
            if (!child.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                child.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            child.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void format(Path config, Path log4j) throws IOException {
        Process formatter = launch(log4j, "kafka.tools.StorageTool", "format", "--ignore-formatted",
                "--cluster-id=" + newClusterId(), "--config", config.toString()).start();
        try {
            if (!formatter.waitFor(60, TimeUnit.SECONDS)) {
                formatter.destroyForcibly();
                throw new IllegalStateException("formatting the Kafka data directory timed out; see " + logFile());
            }
            if (formatter.exitValue() != 0) {
                throw new IllegalStateException("formatting " + dataDir + " failed (exit " + formatter.exitValue()
                        + "):\n" + tail(logFile(), 20));
            }
        } catch (InterruptedException e) {
            formatter.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while formatting the Kafka data directory", e);
        }
    }

    private ProcessBuilder launch(Path log4j, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        if (ownSession) command.addAll(Sessions.prefix());
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.awt.headless=true",
                "-Dlog4j.configuration=" + log4j.toUri(),
                "-Dlog4j2.level=WARN",
                "-cp", BrokerClasspath.get(),
                mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .directory(dataDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
    }

    private Path writeServerConfig() throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dataDir.resolve("log").toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "3");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "3");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // Small segments keep a laptop's disk tidy; nothing is deleted from topics kept forever.
        p.setProperty("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        Path file = dataDir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, "written by dev.rlhfloop.kafka.LocalKafka");
        }
        return file;
    }

    private Path writeLog4jConfig() throws IOException {
        Path file = dataDir.resolve("log4j.properties");
        Files.writeString(file, String.join("\n",
                "log4j.rootLogger=INFO, stdout",
                "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
                "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
                "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
                "log4j.logger.kafka=INFO",
                "log4j.logger.org.apache.kafka=WARN",
                "log4j.logger.kafka.request.logger=WARN",
                "log4j.logger.state.change.logger=WARN",
                ""));
        return file;
    }

    /**
     * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what kafka-storage
     * random-uuid prints). Passed as {@code --cluster-id=ID}: such an id may start with '-', which
     * the tool would read as an option.
     */
    private static String newClusterId() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The broker jars, as resolved when this module was built (see pom.xml), or as given by -Drlhfloop.kafka.classpath. */
    static final class BrokerClasspath {
        private static String cached;

        static synchronized String get() {
            if (cached != null) return cached;
            String override = System.getProperty("rlhfloop.kafka.classpath");
            String classpath = override != null ? override : readResource();
            for (String entry : classpath.split(File.pathSeparator)) {
                if (!entry.isBlank() && !Files.exists(Path.of(entry))) {
                    throw new IllegalStateException("a Kafka broker jar is missing: " + entry
                            + " (rebuild local-kafka: mvn -pl local-kafka install)");
                }
            }
            return cached = classpath;
        }

        private static String readResource() {
            try (InputStream in = LocalKafka.class.getResourceAsStream("broker-classpath.txt")) {
                if (in == null) {
                    throw new IllegalStateException("broker-classpath.txt is missing from local-kafka; "
                            + "build it with Maven (mvn -pl local-kafka install)");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
