package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * docker-compose.yml brought up for real (the apache/kafka container, the topic init, the three
 * services and the web app built from the one Dockerfile), where a Docker engine exists; skipped
 * where there is none. DockerComposeTest checks the file's settings everywhere.
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerComposeStackIT {
    static final Path HOME = Path.of(System.getProperty("rlhfloop.home", "..")).toAbsolutePath().normalize();
    static final Duration START = Duration.ofMinutes(10);

    @Container
    static final ComposeContainer STACK = new ComposeContainer(new File(HOME.toFile(), "docker-compose.yml"))
            .withBuild(true)
            .withLocalCompose(true)
            .withExposedService("inference-service", 8081, Wait.forHttp("/q/health/ready").forStatusCode(200).withStartupTimeout(START))
            .withExposedService("feedback-service", 8082, Wait.forHttp("/q/health/ready").forStatusCode(200).withStartupTimeout(START))
            .withExposedService("trainer-service", 8083, Wait.forHttp("/q/health/ready").forStatusCode(200).withStartupTimeout(START))
            .withExposedService("web", 8080, Wait.forHttp("/q/health/ready").forStatusCode(200).withStartupTimeout(START));

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theComposedServicesPassASmokePingThroughTheKafkaContainer() throws Exception {
        assertTrue(Files.exists(HOME.resolve("web/target/quarkus-app/quarkus-run.jar")),
                "the images copy the built apps: run the reactor build (mvn verify) from the root");
        HttpResponse<String> sent = HTTP.send(HttpRequest.newBuilder(uri("inference-service", 8081, "/smoke"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, sent.statusCode(), sent.body());
        String id = JSON.readTree(sent.body()).get("id").asText();

        List<String> expected = List.of("inference-service", "feedback-service", "trainer-service");
        List<String> hops = List.of();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> seen = HTTP.send(HttpRequest.newBuilder(uri("trainer-service", 8083, "/smoke/" + id)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (seen.statusCode() == 200) {
                hops = new ArrayList<>();
                for (JsonNode hop : JSON.readTree(seen.body()).get("hops")) hops.add(hop.asText());
                if (hops.equals(expected)) break;
            }
            Thread.sleep(500);
        }
        assertEquals(expected, hops, "smoke ping " + id + " did not pass through all three services");

        // The web app is the one public URL: it serves the page and routes /api to the services.
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(uri("web", 8080, "/")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        HttpResponse<String> openapi = HTTP.send(HttpRequest.newBuilder(uri("web", 8080, "/api/openapi.yaml")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (openapi.statusCode() != 200 || !openapi.body().startsWith("openapi:")) fail("web did not serve /api/openapi.yaml: " + openapi.statusCode());
    }

    private static URI uri(String service, int port, String path) {
        return URI.create("http://" + STACK.getServiceHost(service, port) + ":" + STACK.getServicePort(service, port) + path);
    }
}
