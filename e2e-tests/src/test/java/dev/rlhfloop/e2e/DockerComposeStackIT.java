package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * docker-compose.yml brought up for real (the apache/kafka container, the topic init, the three
 * services and the web app, each built from source by the Dockerfile), where a Docker engine
 * exists; skipped where there is none. The internal services publish no port: they are reached
 * through Testcontainers' ambassador on the compose network. DockerComposeTest checks the files
 * everywhere, DockerfileOnHostIT runs the Dockerfile's commands without Docker.
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

    @Test
    void theComposedServicesPassASmokePingThroughTheKafkaContainer() throws Exception {
        SmokePing.assertTravelsThroughAllThree(HTTP, uri("inference-service", 8081, "/"), uri("trainer-service", 8083, "/"),
                Duration.ofSeconds(90));

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
