package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.service.testing.PublicApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The merged OpenAPI document at /api/openapi.yaml, built from the services' generated documents
 * (here GatewayUpstream's, standing for inference and trainer; feedback is unreachable): only the
 * routed public paths, each tagged with its service and given the gateway's 503/504, only the schemas
 * they use, the gateway's own operations, and a Swagger UI on it. The services' real documents are
 * merged and checked against real answers on the whole stack (e2e ReplayCommandOnWholeStackIT).
 */
@QuarkusTest
@WithTestResource(GatewayUpstream.class)
class OpenApiDocumentTest {

    @TestHTTPResource("/")
    URI base;

    private PublicApi served() throws Exception {
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/openapi.yaml")));
        assertEquals(200, res.statusCode());
        assertTrue(res.headers().firstValue("Content-Type").orElse("").startsWith("application/yaml"));
        assertTrue(res.body().startsWith("openapi: "), res.body().substring(0, Math.min(40, res.body().length())));
        return new PublicApi(res.body());
    }

    @Test
    void onlyTheRoutedPublicPathsOfEachServiceAreMergedAndTaggedWithIt() throws Exception {
        PublicApi api = served();
        TreeSet<String> operations = new TreeSet<>();
        api.operations().forEach(op -> operations.add(op + " " + op.service()));
        assertEquals(new TreeSet<>(Set.of(
                "GET /api/comparisons/{id} inference-service",
                "GET /api/models trainer-service",
                "GET /api/status web",
                "GET /api/launcher web",
                "GET /api/openapi.yaml web")), operations);
        JsonNode models = api.document().path("paths").path("/api/models").path("get").path("responses");
        assertEquals("its own 503", models.path("503").path("description").asText(), "a service's own 503 stays");
        assertEquals("#/components/responses/Timeout", models.path("504").path("$ref").asText(), "the gateway's 504 is added");
        TreeSet<String> schemas = new TreeSet<>();
        api.document().path("components").path("schemas").fieldNames().forEachRemaining(schemas::add);
        assertEquals(new TreeSet<>(Set.of("Answer", "ComparisonView", "Error", "ModelEntry")), schemas, "PartialStats is internal");
        assertTrue(api.document().path("info").path("description").asText().contains("left out of this document: feedback-service"));
    }

    @Test
    void theGatewaysOwnAnswersFitTheDocument() throws Exception {
        PublicApi api = served();
        HttpResponse<String> status = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/status")));
        assertEquals(List.of(), api.problems("GET", "/api/status", status.statusCode(), status.body()));
        // GatewayUpstream leaves the feedback service unreachable: the gateway's 503 fits the 503 it adds to every operation
        HttpResponse<String> down = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/stats")));
        assertEquals(503, down.statusCode());
        assertEquals(List.of(), api.problems("GET", "/api/comparisons/x", 503, down.body()));
    }

    @Test
    void swaggerUiShowsTheMergedDocument() throws Exception {
        HttpResponse<String> ui = TestHttp.send(HttpRequest.newBuilder(base.resolve("/q/swagger-ui/")));
        assertEquals(200, ui.statusCode());
        assertTrue(ui.body().contains("/api/openapi.yaml"), "Swagger UI loads /api/openapi.yaml");
    }
}
