package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Under ./rlhf-loop up, the badge says what the launcher is restarting (its supervisor's file, GET /api/launcher). */
@QuarkusTest
@WithTestResource(LauncherRestartingBrowserTest.KafkaRestarting.class)
class LauncherRestartingBrowserTest {
    static final String STATUS = "{\"components\":[{\"name\":\"kafka\",\"state\":\"RESTARTING\",\"restarts\":2,"
            + "\"lastFailure\":\"exited at 2026-12-06T12:00:00Z\"},{\"name\":\"web\",\"state\":\"RUNNING\",\"restarts\":0}]}";

    /** The services down (the broker restarting takes them with it) and the file the launcher's supervisor writes. */
    public static class KafkaRestarting implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                Path file = Files.createTempFile("launcher-status", ".json");
                Files.writeString(file, STATUS);
                file.toFile().deleteOnExit();
                Map<String, String> config = new HashMap<>(new ServicesDown().start());
                config.put("rlhf.web.launcher-status", file.toString());
                return config;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {}
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void theBadgeSaysTheLauncherIsRestartingTheBroker() throws Exception {
        HttpResponse<String> launcher = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/launcher")));
        assertEquals(200, launcher.statusCode());
        assertEquals(STATUS, launcher.body());

        try (Browser browser = new Browser()) {
            browser.driver.get(base.resolve("/#/rate").toString());
            browser.awaitText("#service-status", "restarting kafka");
            assertTrue(browser.find("#banner").getText().startsWith("The launcher is restarting kafka"), browser.find("#banner").getText());
        }
    }
}
