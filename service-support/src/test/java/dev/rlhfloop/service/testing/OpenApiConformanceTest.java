package dev.rlhfloop.service.testing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.restassured.RestAssured;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The checker against a real HTTP server whose answers do or do not fit the document. */
class OpenApiConformanceTest {
    /** The part of a generated document these answers are measured against. */
    private static final PublicApi DOCUMENT = new PublicApi("""
            openapi: 3.1.0
            paths:
              /api/stats:
                get:
                  responses:
                    "503":
                      content:
                        application/json:
                          schema: {$ref: "#/components/schemas/Error"}
            components:
              schemas:
                Error:
                  type: object
                  required: [error, reason]
                  properties:
                    error: {type: string, enum: [bad_request, stores_loading]}
                    reason: {type: string}
            """);

    private HttpServer server;
    private volatile String statsBody;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/stats", exchange -> {
            byte[] body = statsBody.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        RestAssured.baseURI = "http://127.0.0.1";
        RestAssured.port = server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        RestAssured.reset();
        server.stop(0);
    }

    @Test
    void anAnswerThatBreaksTheDocumentFails() {
        statsBody = "{\"error\": \"statistics are being rebuilt\"}";
        var conformance = new OpenApiConformance(DOCUMENT);
        conformance.startChecking();
        given().get("/api/stats").then().statusCode(503);
        AssertionError failure = assertThrows(AssertionError.class, conformance::assertEveryAnswerFit);
        assertTrue(failure.getMessage().contains("GET /api/stats → 503: $.error is \"statistics are being rebuilt\", not one of"),
                failure.getMessage());
        assertTrue(failure.getMessage().contains("lacks the required field \"reason\""), failure.getMessage());
        assertTrue(RestAssured.filters().isEmpty(), "the filter stays registered");
    }

    @Test
    void answersThatFitPass() {
        statsBody = "{\"error\": \"stores_loading\", \"reason\": \"statistics are being rebuilt from Kafka; try again shortly\"}";
        var conformance = new OpenApiConformance(DOCUMENT);
        conformance.startChecking();
        given().get("/api/stats").then().statusCode(503);
        given().get("/api/stats").then().statusCode(503);
        assertDoesNotThrow(conformance::assertEveryAnswerFit);
    }

    @Test
    void checkingNothingFails() {
        var conformance = new OpenApiConformance(DOCUMENT);
        conformance.startChecking();
        AssertionError failure = assertThrows(AssertionError.class, conformance::assertEveryAnswerFit);
        assertTrue(failure.getMessage().contains("no /api/ answer was checked"), failure.getMessage());
    }
}
