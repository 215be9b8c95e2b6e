package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.LoopbackPorts;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Dockerfile's own build and start commands, run on this machine without Docker, so that a
 * broken command fails the build here rather than a user's {@code docker compose up}.
 *
 * <ol>
 * <li>The build context, as Docker would send it (the repository minus {@code .dockerignore}), is
 *     copied to where the build stage's {@code COPY} puts it, in a sandbox folder standing for the
 *     build stage's file system.
 * <li>The build stage's {@code RUN} commands run there as written, through {@code sh -c}, without
 *     BuildKit's {@code --mount} flags, and with Maven offline (a {@code .mvn/maven.config} in the
 *     sandbox) on the Maven repository the surrounding build has filled: a from-scratch compile and
 *     package of the apps, about a minute on two cores. Nothing is taken from this repository's
 *     own {@code target/} folders.
 * <li>For each app, the folder its stage copies from the build stage must exist, and the stage's
 *     start command ({@code ENTRYPOINT} + {@code CMD}) runs in it (it is copied to the stage's
 *     {@code WORKDIR}) with the image's {@code ENV} and the compose file's environment, changed
 *     only where a host must differ from a container: loopback and free ports instead of
 *     {@code 0.0.0.0} and fixed ones, a real broker from local-kafka instead of the kafka container,
 *     compose service names pointed at those ports, and the trainer's bootstrap training off
 *     (minutes of CPU, and not part of starting). Every app must answer {@code /q/health/ready}.
 * </ol>
 *
 * What only Docker can check stays with DockerComposeStackIT (where an engine exists): the base
 * images and what they hold (the JRE's modules, the Maven version), and the compose network. The
 * whole test takes about 1.5 minutes on two cores.
 */
class DockerfileOnHostIT {
    static final Path HOME = StackIT.HOME;
    static final Path SANDBOX = Path.of(System.getProperty("rlhfloop.e2e.dir", "target/e2e")).toAbsolutePath().resolve("dockerfile-on-host");
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
    static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    static final Pattern COMPOSE_SERVICE_ADDRESS = Pattern.compile("\\b(" + String.join("|", DockerComposeTest.APPS) + ")(:\\d+)?\\b");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void theBuildStageBuildsEveryAppFromTheContextAndEachAppsStartCommandStartsItToHealth() throws Exception {
        ParsedDockerfile dockerfile = ParsedDockerfile.read(HOME.resolve("Dockerfile"));
        deleteRecursively(SANDBOX);
        Path logs = Files.createDirectories(SANDBOX.resolve("logs"));
        List<String> path = List.of(Path.of(System.getProperty("java.home"), "bin").toString(), System.getenv().getOrDefault("PATH", ""));

        String buildStageName = dockerfile.stage(DockerComposeTest.APPS.get(0)).copies().get(0).fromStage()
                .orElseThrow(() -> new AssertionError("the apps' stages copy from no build stage"));
        ParsedDockerfile.Stage buildStage = dockerfile.stage(buildStageName);
        Path buildRoot = SANDBOX.resolve("build-stage");
        Path buildWorkdir = hostPath(buildRoot, dockerfile.workdir(buildStage));
        Files.createDirectories(buildWorkdir);
        DockerIgnore ignore = DockerIgnore.read(HOME.resolve(".dockerignore"));
        for (ParsedDockerfile.Copy copy : buildStage.copies()) {
            assertTrue(copy.fromStage().isEmpty(), "the build stage copies only from the context: " + copy);
            Path destination = hostPath(buildRoot, containerPath(dockerfile.workdir(buildStage), copy.destination()));
            for (String source : copy.sources()) copyContext(source, destination, ignore);
        }
        // Offline: the surrounding build has downloaded every dependency, and a test must not reach the network.
        Path mavenConfig = buildWorkdir.resolve(".mvn/maven.config");
        Files.createDirectories(mavenConfig.getParent());
        Files.writeString(mavenConfig, (Files.exists(mavenConfig) ? Files.readString(mavenConfig).strip() + " " : "") + "-o\n");

        long t0 = System.nanoTime();
        for (String command : buildStage.runCommands()) {
            log("build stage: %s", command);
            ProcessBuilder builder = new ProcessBuilder("sh", "-c", command).directory(buildWorkdir.toFile())
                    .redirectErrorStream(true).redirectOutput(logs.resolve("build.log").toFile());
            builder.environment().remove("MAVEN_PROJECTBASEDIR");
            builder.environment().put("PATH", String.join(":", path));
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process build = builder.start();
            if (!build.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                build.destroyForcibly();
                throw new AssertionError("the build stage's command ran longer than " + BUILD_TIMEOUT.toMinutes() + " min: " + command);
            }
            assertEquals(0, build.exitValue(), () -> "the build stage's command failed: " + command + "\n" + LogTail.of(logs.resolve("build.log"), 40));
        }
        log("build stage done in %.1f s", seconds(t0));

        Map<String, Integer> ports = new LinkedHashMap<>();
        DockerComposeTest.APPS.forEach(app -> ports.put(app, LoopbackPorts.free()));
        Map<String, Process> started = new LinkedHashMap<>();
        try (LocalKafka kafka = LocalKafka.onFreePorts(SANDBOX.resolve("kafka")).logTo(logs.resolve("kafka.log"))) {
            kafka.start();
            kafka.createTopics(Topics.ALL);
            long t1 = System.nanoTime();
            for (String app : DockerComposeTest.APPS) {
                ParsedDockerfile.Stage stage = dockerfile.stage(app);
                ParsedDockerfile.Copy copy = stage.copies().get(0);
                assertEquals(dockerfile.workdir(stage) + "/", copy.destination(), app + ": this test runs an app copied into its WORKDIR");
                Path appFolder = hostPath(buildRoot, containerPath(dockerfile.workdir(buildStage), copy.sources().get(0)));
                assertTrue(Files.isDirectory(appFolder), app + ": the build stage left no " + copy.sources().get(0));

                Map<String, String> env = new LinkedHashMap<>(dockerfile.environment(stage));
                composeEnvironment(app).forEach((name, value) -> env.put(name, onThisHost(value, dockerfile.workdir(stage), appFolder, ports, kafka)));
                env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
                // Docker sets HOSTNAME to the container's id, an address the other containers reach it at; here that is loopback.
                env.put("HOSTNAME", "127.0.0.1");
                env.put("QUARKUS_HTTP_PORT", String.valueOf(ports.get(app)));
                if (app.equals("trainer-service")) env.put("RLHF_TRAINER_BOOTSTRAP_ENABLED", "false");
                env.put("PATH", String.join(":", path));
                // The Temurin images set a UTF-8 locale; a bare environment would give the JVM ASCII.
                env.putIfAbsent("LANG", "C.UTF-8");

                List<String> command = new ArrayList<>(dockerfile.startCommand(stage));
                command.set(0, onPath(command.get(0), path));
                log("%s: %s (in %s)", app, String.join(" ", dockerfile.startCommand(stage)), appFolder);
                ProcessBuilder builder = new ProcessBuilder(command).directory(appFolder.toFile())
                        .redirectErrorStream(true).redirectOutput(logs.resolve(app + ".log").toFile());
                builder.environment().clear();
                builder.environment().putAll(env);
                started.put(app, builder.start());
            }
            for (String app : DockerComposeTest.APPS) {
                awaitReady(app, started.get(app), ports.get(app), logs.resolve(app + ".log"));
                log("%s ready on 127.0.0.1:%d (%.1f s)", app, ports.get(app), seconds(t1));
            }
        } finally {
            started.values().forEach(Process::destroy);
            for (Process process : started.values()) {
                if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            // The logs stay for a failure's reader; the built copy (hundreds of MB) does not.
            deleteRecursively(buildRoot);
        }
    }

    /** A compose environment value as it must read on this host: service names and container paths replaced. */
    private static String onThisHost(String value, String workdir, Path appFolder, Map<String, Integer> ports, LocalKafka kafka) {
        if (value.equals("kafka:9092")) return kafka.bootstrapServers();
        if (value.equals(workdir) || value.startsWith(workdir + "/")) return appFolder + value.substring(workdir.length());
        return COMPOSE_SERVICE_ADDRESS.matcher(value).replaceAll(m -> Matcher.quoteReplacement(
                "127.0.0.1" + (m.group(2) == null ? "" : ":" + ports.get(m.group(1)))));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> composeEnvironment(String app) throws IOException {
        try (Reader in = Files.newBufferedReader(HOME.resolve("docker-compose.yml"), StandardCharsets.UTF_8)) {
            Map<String, Object> compose = new Yaml().load(in);
            Map<String, Object> service = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(app);
            Map<String, String> env = new LinkedHashMap<>();
            // ${VAR:-default} reads as its default, as Compose does with VAR unset (e.g. RLHF_AUTH).
            // "$$" is Compose's escape for a "$" the container's own configuration expands (e.g. $${HOSTNAME}).
            ((Map<String, Object>) service.getOrDefault("environment", Map.of())).forEach((name, value) -> env.put(name,
                    String.valueOf(value).replaceAll("\\$\\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)}", "$1").replace("$$", "$")));
            return env;
        }
    }

    /**
     * Copies a context path (relative to the repository) to {@code destination}, leaving out what
     * .dockerignore names; an excluded folder is skipped whole (so a {@code !pattern} cannot take
     * back a file inside it, which this project's .dockerignore does not do).
     */
    private static void copyContext(String source, Path destination, DockerIgnore ignore) throws IOException {
        Path from = HOME.resolve(source).normalize();
        assertTrue(from.startsWith(HOME), "COPY source outside the context: " + source);
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                if (!dir.equals(HOME) && (ignore.excludes(HOME.relativize(dir).toString()) || dir.startsWith(SANDBOX))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(destination.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (!ignore.excludes(HOME.relativize(file).toString())) {
                    Files.copy(file, destination.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void awaitReady(String app, Process process, int port, Path log) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        URI ready = URI.create("http://127.0.0.1:" + port + "/q/health/ready");
        while (true) {
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!process.isAlive()) throw new AssertionError(app + "'s start command exited with " + process.exitValue() + "\n" + LogTail.of(log, 40));
            if (System.nanoTime() > deadline) throw new AssertionError(app + " was not ready within " + READY_TIMEOUT.toSeconds() + " s\n" + LogTail.of(log, 40));
            Thread.sleep(250);
        }
    }

    /** An absolute container path for {@code path} as an instruction in {@code workdir} means it. */
    private static String containerPath(String workdir, String path) {
        String absolute = path.startsWith("/") ? path : workdir + "/" + path;
        return Path.of(absolute).normalize().toString();
    }

    private static Path hostPath(Path root, String containerPath) {
        return root.resolve(containerPath.replaceFirst("^/+", ""));
    }

    private static String onPath(String program, List<String> path) {
        if (program.contains("/")) return program;
        for (String dir : path) {
            for (String entry : dir.split(":")) {
                if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, program))) return Path.of(entry, program).toString();
            }
        }
        throw new AssertionError(program + " is not on the PATH");
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(path);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[dockerfile-on-host] " + format + "%n", args);
    }
}
