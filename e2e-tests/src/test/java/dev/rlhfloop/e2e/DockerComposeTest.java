package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** docker-compose.yml must agree with the services' own configuration and with Topics.ALL. */
class DockerComposeTest {
    static final Path HOME = StackIT.HOME;
    static final List<String> APPS = List.of("inference-service", "feedback-service", "trainer-service", "web");
    static final List<String> KAFKA_CLIENTS = List.of("inference-service", "feedback-service", "trainer-service");

    static Map<String, Object> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void readCompose() throws IOException {
        try (Reader in = Files.newBufferedReader(HOME.resolve("docker-compose.yml"), StandardCharsets.UTF_8)) {
            Map<String, Object> compose = new Yaml().load(in);
            services = (Map<String, Object>) compose.get("services");
        }
    }

    @Test
    void everyAppPublishesThePortItsPropertiesListenOn() throws IOException {
        for (String app : APPS) {
            int port = Integer.parseInt(properties(app).getProperty("quarkus.http.port"));
            assertEquals(List.of(port + ":" + port), service(app).get("ports"), app);
        }
    }

    @Test
    void everyAppIsBuiltFromTheOneDockerfileThatRunsItsQuarkusAppWithTheVectorModule() throws IOException {
        String dockerfile = Files.readString(HOME.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("ARG PORT") && dockerfile.contains("EXPOSE ${PORT}"), "the Dockerfile exposes the PORT it is built with");
        assertTrue(dockerfile.contains("--add-modules jdk.incubator.vector"), "the Dockerfile adds the Vector API");
        assertTrue(dockerfile.contains("-Dquarkus.http.host=0.0.0.0"), "apps listen beyond the container");
        assertTrue(dockerfile.contains("COPY target/quarkus-app/quarkus-run.jar"), "the Dockerfile runs the app's Quarkus jar");
        for (String app : APPS) {
            assertTrue(service(app).get("build") instanceof Map, app + " has a build section");
            @SuppressWarnings("unchecked")
            Map<String, Object> build = (Map<String, Object>) service(app).get("build");
            assertEquals("./" + app, build.get("context"), app);
            assertEquals("../Dockerfile", build.get("dockerfile"), app);
            assertTrue(Files.isDirectory(HOME.resolve(app)), app);
            int port = Integer.parseInt(properties(app).getProperty("quarkus.http.port"));
            assertEquals(Map.of("PORT", String.valueOf(port)), build.get("args"), app + " is built with the port its properties listen on");
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
