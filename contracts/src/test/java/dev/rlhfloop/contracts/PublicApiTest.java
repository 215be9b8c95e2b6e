package dev.rlhfloop.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PublicApiTest {
    private final PublicApi api = PublicApi.load();

    @Test
    void everyOperationBelongsToOneKnownServiceAndEveryReferenceResolves() {
        Set<String> services = Set.of("inference-service", "feedback-service", "trainer-service", "web");
        assertFalse(api.operations().isEmpty());
        for (PublicApi.Operation op : api.operations()) {
            assertTrue(services.contains(op.service()), op + " is tagged " + op.service());
            assertTrue(op.path().startsWith("/api/"), op.toString());
        }
        List<String> refs = new ArrayList<>();
        collectRefs(api.document(), refs);
        assertFalse(refs.isEmpty());
        for (String ref : refs) assertFalse(api.document().at(ref.substring(1)).isMissingNode(), ref + " is not defined");
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.has("$ref")) refs.add(node.get("$ref").asText());
        node.elements().forEachRemaining(child -> collectRefs(child, refs));
    }

    @Test
    void findsTheTemplateOfAConcretePath() {
        assertEquals("/api/comparisons/{id}", api.find("GET", "/api/comparisons/cmp-1").orElseThrow().path());
        assertEquals("/api/comparisons/{id}/events", api.find("get", "/api/comparisons/cmp-1/events").orElseThrow().path());
        assertTrue(api.find("DELETE", "/api/comparisons/cmp-1").isEmpty());
        assertTrue(api.find("GET", "/api/comparisons//events").isEmpty());
    }

    @Test
    void anAnswerThatFitsHasNoProblems() {
        String created = """
                {"id": "cmp-1", "prompt": "Tell me about a fox.", "answers": [{"slot": "A", "generationId": "g1"}, {"slot": "B", "generationId": "g2"}]}""";
        assertEquals(List.of(), api.problems("POST", "/api/comparisons", 201, created));
        assertEquals(List.of(), api.problems("POST", "/api/votes", 400, "{\"error\": \"bad_request\", \"reason\": \"choice is missing\"}"));
        assertEquals(List.of(), api.problems("GET", "/api/comparisons/cmp-1/events", 200, "event: token\ndata: {}\n\n"));
    }

    @Test
    void namesWhatIsWrongWithAnAnswerThatDoesNotFit() {
        List<String> problems = api.problems("POST", "/api/comparisons", 201, """
                {"id": 7, "answers": [{"slot": "C", "generationId": "g1"}]}""");
        assertTrue(problems.stream().anyMatch(p -> p.contains("$.id should be string")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("lacks the required field \"prompt\"")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("$.answers has fewer than 2 items")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("$.answers[0].slot is \"C\"")), problems.toString());
        assertTrue(api.problems("POST", "/api/comparisons", 418, "{}").get(0).contains("not a documented status"));
        assertTrue(api.problems("PUT", "/api/votes", 200, "{}").get(0).contains("not documented"));
        assertTrue(api.problems("POST", "/api/votes", 400, "{\"error\": \"choice is missing\"}").stream()
                .anyMatch(p -> p.contains("$.error is \"choice is missing\", not one of")), "an error code outside the documented set");
        assertTrue(api.problems("POST", "/api/votes", 400, "{\"error\": \"bad_request\"}").get(0)
                .contains("lacks the required field \"reason\""));
        assertTrue(api.problems("GET", "/api/stats", 200, "<html>").get(0).contains("not JSON"));
        assertTrue(api.problems("GET", "/api/stats", 200, """
                {"totals": {"votes": 1, "decisiveVotes": 1, "raters": 1}, "baselineVersion": null, "versions": [],
                 "votesPerMinute": [{"minute": null, "votes": 1}], "leaderboard": []}""").get(0).contains("$.votesPerMinute[0].minute is null"));
    }
}
