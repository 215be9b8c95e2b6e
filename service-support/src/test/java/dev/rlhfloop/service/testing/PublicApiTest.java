package dev.rlhfloop.service.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker on a document in the generated form (OpenAPI 3.1: nullable as a type list, references to components). */
class PublicApiTest {
    private final PublicApi api = new PublicApi("""
            openapi: 3.1.0
            paths:
              /api/comparisons/{id}:
                get:
                  tags: [inference-service]
                  responses:
                    "200":
                      content:
                        application/json:
                          schema: {$ref: "#/components/schemas/ComparisonView"}
              /api/comparisons/{id}/events:
                get:
                  responses:
                    "200":
                      content:
                        text/event-stream:
                          schema: {type: string}
            components:
              schemas:
                ComparisonView:
                  type: object
                  required: [id]
                  properties:
                    id: {type: string}
                    baseline: {type: [string, "null"]}
                    answers:
                      type: array
                      items: {$ref: "#/components/schemas/Answer"}
                Answer:
                  type: object
                  properties:
                    slot: {type: string, enum: [A, B]}
                    done: {type: boolean}
            """);

    @Test
    void findsTheTemplateOfAConcretePathAndItsService() {
        assertEquals("/api/comparisons/{id}", api.find("GET", "/api/comparisons/cmp-1").orElseThrow().path());
        assertEquals("inference-service", api.find("GET", "/api/comparisons/cmp-1").orElseThrow().service());
        assertEquals("/api/comparisons/{id}/events", api.find("get", "/api/comparisons/cmp-1/events").orElseThrow().path());
        assertTrue(api.find("DELETE", "/api/comparisons/cmp-1").isEmpty());
        assertTrue(api.find("GET", "/api/comparisons//events").isEmpty());
    }

    @Test
    void namesWhatIsWrongWithAnAnswer() {
        assertEquals(List.of(), api.problems("GET", "/api/comparisons/c", 200,
                "{\"id\": \"c\", \"baseline\": null, \"answers\": [{\"slot\": \"A\", \"done\": true}]}"));
        assertEquals(List.of(), api.problems("GET", "/api/comparisons/c/events", 200, "event: token\ndata: {}\n\n"));
        List<String> problems = api.problems("GET", "/api/comparisons/c", 200,
                "{\"baseline\": 7, \"answers\": [{\"slot\": \"C\", \"done\": null}]}");
        assertTrue(problems.stream().anyMatch(p -> p.contains("lacks the required field \"id\"")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("$.baseline should be string")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("$.answers[0].slot is \"C\"")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("$.answers[0].done is null")), problems.toString());
        assertTrue(api.problems("GET", "/api/comparisons/c", 418, "{}").get(0).contains("not a documented status"));
        assertTrue(api.problems("GET", "/api/comparisons/c", 200, "<html>").get(0).contains("not JSON"));
    }
}
