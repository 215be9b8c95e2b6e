package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and the Dockerfile, read without a Docker engine: they must agree with the
 * services' own configuration and with Topics.ALL, build from source, and publish only the web
 * app's port, on loopback; the monitoring profile's Prometheus must scrape every app and its Grafana
 * dashboard draw the meters the services register (OperatorMeter). DockerfileOnHostIT runs the
 * Dockerfile's commands; DockerComposeStackIT brings the file up where an engine exists.
 */
class DockerComposeTest {
    static final Path HOME = StackIT.HOME;
    static final List<String> APPS = List.of("inference-service", "feedback-service", "trainer-service", "web");
    static final List<String> KAFKA_CLIENTS = List.of("inference-service", "feedback-service", "trainer-service");
    static final List<String> MONITORING = List.of("prometheus", "grafana");
    static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    static Map<String, Object> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void readCompose() throws IOException {
        try (Reader in = Files.newBufferedReader(HOME.resolve("docker-compose.yml"), StandardCharsets.UTF_8)) {
            Map<String, Object> compose = new Yaml().load(in);
            services = (Map<String, Object>) compose.get("services");
        }
    }

    /**
     * Only the web app (the gateway) is reachable from the host, and by default only from this
     * machine; the monitoring profile adds Prometheus and Grafana, on loopback whatever RLHF_BIND says.
     * Read from {@code docker-compose config} (Compose's own interpolation) where Debian's
     * docker-compose is installed, else from the file with its {@code ${VAR:-default}} defaults.
     */
    @Test
    void onlyTheWebPortIsPublishedAndOnLoopbackByDefault() throws Exception {
        Map<String, Object> resolved = onPath("docker-compose") ? composeConfig() : withDefaults(services);
        int webPort = Integer.parseInt(properties("web").getProperty("quarkus.http.port"));
        assertTrue(resolved.containsKey("web"), "docker-compose.yml has a web service");
        for (var entry : resolved.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> service = (Map<String, Object>) entry.getValue();
            assertFalse("host".equals(service.get("network_mode")), entry.getKey() + " must not share the host's network");
            if (MONITORING.contains(entry.getKey())) {
                List<?> ports = (List<?>) service.get("ports");
                assertEquals(1, ports.size(), entry.getKey() + " publishes one port: " + ports);
                assertTrue(String.valueOf(ports.get(0)).startsWith("127.0.0.1:"), entry.getKey() + " listens on loopback only: " + ports);
            } else if (entry.getKey().equals("web")) {
                List<?> ports = (List<?>) service.get("ports");
                assertEquals(1, ports.size(), "web publishes one port: " + ports);
                String port = String.valueOf(ports.get(0)).replaceFirst("/tcp$", "");
                assertEquals("127.0.0.1:" + webPort + ":" + webPort, port, "web listens on loopback by default, on its own port");
            } else {
                assertNull(service.get("ports"), entry.getKey() + " is reachable only on the compose network");
            }
        }
    }

    @Test
    void theDockerfileBuildsFromSourceInOneStageAndRunsEachAppOnAJreInAnother() throws IOException {
        ParsedDockerfile dockerfile = ParsedDockerfile.read(HOME.resolve("Dockerfile"));
        assertTrue(dockerfile.stages().size() >= 2, "multi-stage");
        for (String app : APPS) {
            ParsedDockerfile.Stage stage = dockerfile.stage(app);
            assertTrue(dockerfile.baseImage(stage).matches("eclipse-temurin:17[.\\d]*-jre.*"), app + " runs on a Java 17 JRE image");
            List<ParsedDockerfile.Copy> copies = stage.copies();
            assertEquals(1, copies.size(), app + " copies its built app and nothing else");
            ParsedDockerfile.Copy copy = copies.get(0);
            assertTrue(copy.fromStage().isPresent(), app + " copies from a build stage, not from the host's target/");
            ParsedDockerfile.Stage build = dockerfile.stage(copy.fromStage().get());
            assertTrue(dockerfile.baseImage(build).matches("maven:.*-17.*"), "the build stage has Maven and JDK 17: " + dockerfile.baseImage(build));
            String buildCommand = build.runCommands().stream().filter(c -> c.startsWith("mvn ")).findFirst()
                    .orElseThrow(() -> new AssertionError("the build stage runs no mvn command"));
            List<String> words = List.of(buildCommand.split("\\s+"));
            assertTrue(words.contains("package") && words.contains("-DskipTests") && words.contains("-am"), buildCommand);
            assertTrue(words.contains("-pl") && List.of(words.get(words.indexOf("-pl") + 1).split(",")).contains(app),
                    "the build stage builds " + app + ": " + buildCommand);
            assertEquals(List.of(dockerfile.workdir(build) + "/" + app + "/target/quarkus-app/"), copy.sources(), app);
            assertEquals(dockerfile.workdir(stage) + "/", copy.destination(), app + " runs from the folder it copies its app into");
            int port = Integer.parseInt(properties(app).getProperty("quarkus.http.port"));
            assertEquals(List.of(port), stage.exposedPorts(), app + " exposes the port its properties listen on");
            List<String> command = dockerfile.startCommand(stage);
            int addModules = command.indexOf("--add-modules");
            assertTrue(addModules > 0 && command.get(addModules + 1).equals("jdk.incubator.vector"), "the Vector API module: " + command);
            assertEquals(List.of("-jar", "quarkus-run.jar"), command.subList(command.size() - 2, command.size()), app);
            assertEquals("0.0.0.0", dockerfile.environment(stage).get("QUARKUS_HTTP_HOST"), app + " listens beyond its container");
        }
        for (ParsedDockerfile.Stage stage : dockerfile.stages()) {
            for (ParsedDockerfile.Copy copy : stage.copies()) {
                if (copy.fromStage().isEmpty()) {
                    assertTrue(copy.sources().stream().noneMatch(source -> source.contains("target")),
                            "nothing built on the host is copied in: " + copy);
                }
            }
        }
    }

    /** The context holds the sources the build needs, and none of what a host build or run leaves behind. */
    @Test
    void theDockerIgnoreKeepsBuildOutputAndRunDataOutOfTheContext() throws IOException {
        DockerIgnore ignore = DockerIgnore.read(HOME.resolve(".dockerignore"));
        for (String left : List.of("llm-core/target/classes/A.class", "web/target/quarkus-app/quarkus-run.jar", "target/x",
                ".git/HEAD", "run/kafka/meta.properties", "logs/web.log", "web/node_modules/x/package.json")) {
            assertTrue(ignore.excludes(left), left + " must stay out of the build context");
        }
        for (String kept : List.of("pom.xml", ".mvn/README.md", "llm-core/src/main/java/dev/rlhfloop/llm/model/Gpt.java",
                "web/src/main/resources/application.properties", ".ci/run")) {
            assertFalse(ignore.excludes(kept), kept + " is needed in the build context");
        }
        for (String module : modules()) {
            assertFalse(ignore.excludes(module + "/pom.xml") || ignore.excludes(module + "/src/main/java/X.java"), module);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeBuildsEveryAppFromTheRepositoryWithItsDockerfileTarget() {
        for (String app : APPS) {
            assertTrue(service(app).get("build") instanceof Map, app + " has a build section");
            Map<String, Object> build = (Map<String, Object>) service(app).get("build");
            assertEquals(".", build.get("context"), app + " is built with the repository root as context");
            assertTrue(build.get("dockerfile") == null || "Dockerfile".equals(build.get("dockerfile")), app);
            assertEquals(app, build.get("target"), app);
            assertNull(service(app).get("image"), app + " is built here, not pulled");
        }
    }

    @Test
    void servicesReachTheKafkaContainerThroughTheirBootstrapProperty() throws IOException {
        Map<String, Object> kafkaEnv = environment("kafka");
        assertEquals("PLAINTEXT://kafka:9092", kafkaEnv.get("KAFKA_ADVERTISED_LISTENERS"));
        assertEquals("broker,controller", kafkaEnv.get("KAFKA_PROCESS_ROLES"), "a single KRaft node");
        assertTrue(String.valueOf(service("kafka").get("image")).startsWith("apache/kafka:"));
        for (String app : KAFKA_CLIENTS) {
            assertTrue(properties(app).containsKey("kafka.bootstrap.servers"), app + " reads kafka.bootstrap.servers");
            assertEquals("kafka:9092", environment(app).get("KAFKA_BOOTSTRAP_SERVERS"), app);
        }
    }

    @Test
    void theWebAppIsPointedAtEveryServiceItRoutesTo() throws IOException {
        Properties web = properties("web");
        Map<String, Object> env = environment("web");
        int routes = 0;
        for (String key : web.stringPropertyNames()) {
            if (!key.startsWith("rlhf.services.")) continue;
            String name = key.substring("rlhf.services.".length());
            String app = name + "-service";
            int port = Integer.parseInt(properties(app).getProperty("quarkus.http.port"));
            assertEquals("http://" + app + ":" + port, env.get(key.toUpperCase().replace('.', '_')), key);
            routes++;
        }
        assumeTrue(routes > 0, "web has no rlhf.services.* routes in this build yet");
    }

    /**
     * {@code docker compose up --scale inference-service=2 --scale feedback-service=2}: nothing pins a
     * replica's name or port, each feedback replica advertises its own container to the others (its
     * HOSTNAME, the short container id Compose makes an alias), and the gateway is given the service
     * names, which it resolves to every replica (ServicePool).
     */
    @Test
    void inferenceAndFeedbackScaleToSeveralReplicasBehindTheGateway() {
        for (String app : List.of("inference-service", "feedback-service")) {
            for (String pinned : List.of("container_name", "hostname", "ports")) {
                assertNull(service(app).get(pinned), app + " sets " + pinned + ": its replicas would collide");
            }
            assertTrue(String.valueOf(environment("web").get("RLHF_SERVICES_" + app.replace("-service", "").toUpperCase()))
                    .startsWith("http://" + app + ":"), "the gateway resolves " + app + "'s name to each replica");
        }
        assertNull(environment("inference-service").get("RLHF_INFERENCE_INSTANCE"), "each inference replica names itself");
        assertEquals("$${HOSTNAME}", environment("feedback-service").get("FEEDBACK_ADVERTISED_HOST"),
                "each feedback replica advertises its own container, for the others' store queries");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theTopicInitCreatesEveryTopicAsSpecified() {
        String script = String.join("\n", (List<String>) service("kafka-topics").get("command"));
        for (Topics.Spec spec : Topics.ALL) {
            String line = script.lines().filter(l -> l.contains("--topic " + spec.name() + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no topic creation for " + spec.name()));
            assertTrue(line.contains("--partitions " + spec.partitions()), line);
            assertEquals(spec.compacted(), line.contains("cleanup.policy=compact"), line);
            assertEquals(spec.keepForever(), line.contains("retention.ms=-1"), line);
        }
    }

    @Test
    void dockerComposeAcceptsTheFile() throws Exception {
        assumeTrue(onPath("docker-compose"), "docker-compose is not installed here");
        Process check = new ProcessBuilder("docker-compose", "-f", HOME.resolve("docker-compose.yml").toString(), "config", "-q")
                .redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, check.exitValue(), out);
    }

    @Test
    void theMonitoringProfileAddsPrometheusAndGrafanaAndNothingElse() {
        for (var entry : services.entrySet()) {
            @SuppressWarnings("unchecked")
            Object profiles = ((Map<String, Object>) entry.getValue()).get("profiles");
            if (MONITORING.contains(entry.getKey())) {
                assertEquals(List.of("monitoring"), profiles, entry.getKey() + " runs only with --profile monitoring");
            } else {
                assertNull(profiles, entry.getKey() + " runs with a plain docker compose up");
            }
        }
    }

    /** Prometheus scrapes each app's own /q/metrics at the port its properties listen on, on the compose network. */
    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesEveryAppsOwnMetrics() throws IOException {
        assertTrue(((List<String>) service("prometheus").get("volumes")).contains("./monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro"),
                "Prometheus reads monitoring/prometheus.yml");
        Map<String, Object> config = yaml(HOME.resolve("monitoring/prometheus.yml"));
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) config.get("scrape_configs");
        for (String app : APPS) {
            Map<String, Object> job = jobs.stream().filter(j -> app.equals(j.get("job_name"))).findFirst()
                    .orElseThrow(() -> new AssertionError("prometheus.yml has no job " + app));
            assertEquals("/q/metrics", job.get("metrics_path"), app);
            int port = Integer.parseInt(properties(app).getProperty("quarkus.http.port"));
            List<Map<String, Object>> targets = (List<Map<String, Object>>) job.get("static_configs");
            assertEquals(List.of(app + ":" + port), targets.get(0).get("targets"), app);
            assertTrue(services.containsKey(app), app + " is a compose service");
        }
    }

    /**
     * Grafana gets the Prometheus data source and the dashboard from files, and each panel's PromQL
     * names only meters the services register, every one of which some panel draws.
     */
    @Test
    @SuppressWarnings("unchecked")
    void grafanasDashboardDrawsTheMetersTheServicesRegister() throws IOException {
        List<String> volumes = (List<String>) service("grafana").get("volumes");
        assertTrue(volumes.contains("./monitoring/grafana/provisioning:/etc/grafana/provisioning:ro"), volumes.toString());
        String dashboardsMount = "./monitoring/grafana/dashboards:";
        String dashboardsDir = volumes.stream().filter(v -> v.startsWith(dashboardsMount)).findFirst()
                .orElseThrow(() -> new AssertionError("the dashboards folder is not mounted: " + volumes))
                .substring(dashboardsMount.length()).replaceFirst(":ro$", "");

        Map<String, Object> datasource = ((List<Map<String, Object>>) yaml(HOME.resolve(
                "monitoring/grafana/provisioning/datasources/prometheus.yml")).get("datasources")).get(0);
        assertEquals("prometheus", datasource.get("type"));
        assertEquals("http://prometheus:9090", datasource.get("url"), "Prometheus' compose name and port");
        Map<String, Object> provider = ((List<Map<String, Object>>) yaml(HOME.resolve(
                "monitoring/grafana/provisioning/dashboards/rlhf-loop.yml")).get("providers")).get(0);
        assertEquals(dashboardsDir, ((Map<String, Object>) provider.get("options")).get("path"), "the provider reads the mounted folder");

        JsonNode dashboard = new ObjectMapper().readTree(HOME.resolve("monitoring/grafana/dashboards/rlhf-loop.json").toFile());
        Map<String, String> meters = new java.util.HashMap<>();
        for (OperatorMeter meter : OperatorMeter.values()) {
            for (String suffix : List.of("", "_bucket", "_count", "_sum", "_max")) meters.put(meter.prometheusName() + suffix, meter.name());
        }
        java.util.Set<String> drawn = new java.util.HashSet<>();
        assertTrue(dashboard.get("panels").size() > 0, "the dashboard has panels");
        for (JsonNode panel : dashboard.get("panels")) {
            String title = panel.get("title").asText();
            assertEquals(datasource.get("uid"), panel.get("datasource").get("uid").asText(), title + " uses the provisioned data source");
            List<String> named = new java.util.ArrayList<>();
            for (JsonNode target : panel.get("targets")) {
                Matcher name = METRIC_NAME.matcher(target.get("expr").asText());
                while (name.find()) {
                    if (!name.group().startsWith("rlhf_")) continue;
                    assertTrue(meters.containsKey(name.group()), title + ": no service registers " + name.group());
                    named.add(name.group());
                    drawn.add(meters.get(name.group()));
                }
            }
            assertFalse(named.isEmpty(), title + " draws none of the services' meters");
        }
        for (OperatorMeter meter : OperatorMeter.values()) {
            assertTrue(drawn.contains(meter.name()), "no panel draws " + meter.prometheusName());
        }
    }

    @Test
    void theOperationsPageDocumentsEveryMeter() throws IOException {
        String page = Files.readString(HOME.resolve("docs/operations.md"));
        for (OperatorMeter meter : OperatorMeter.values()) {
            assertTrue(page.contains("`" + meter.prometheusName() + "`"), "docs/operations.md does not document " + meter.prometheusName());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return (Map<String, Object>) new Yaml().load(in);
        }
    }

    /** The services as {@code docker-compose config} resolves them, with RLHF_BIND and the like unset. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> composeConfig() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("docker-compose", "-f", HOME.resolve("docker-compose.yml").toString(), "config");
        builder.environment().keySet().removeIf(name -> name.startsWith("RLHF_"));
        Process config = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(config.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(config.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, config.exitValue(), "docker-compose config failed");
        return (Map<String, Object>) ((Map<String, Object>) new Yaml().load(out)).get("services");
    }

    /** The file's services with each {@code ${VAR:-default}} replaced by its default, as Compose does when VAR is unset. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withDefaults(Map<String, Object> raw) {
        Pattern withDefault = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)}");
        String yaml = new Yaml().dump(raw);
        return new Yaml().load(withDefault.matcher(yaml).replaceAll(m -> Matcher.quoteReplacement(m.group(1))));
    }

    /** The reactor's modules, from the parent POM. */
    private static List<String> modules() throws IOException {
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(HOME.resolve("pom.xml")));
        List<String> modules = new java.util.ArrayList<>();
        while (module.find()) modules.add(module.group(1));
        assertTrue(modules.containsAll(APPS), "the parent POM lists the apps as modules: " + modules);
        return modules;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String name) {
        Object service = services.get(name);
        assertTrue(service instanceof Map, "docker-compose.yml has no service " + name);
        return (Map<String, Object>) service;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> environment(String name) {
        Object env = service(name).get("environment");
        return env == null ? Map.of() : (Map<String, Object>) env;
    }

    private static Properties properties(String app) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(HOME.resolve(app).resolve("src/main/resources/application.properties"))) {
            p.load(in);
        }
        return p;
    }
}
