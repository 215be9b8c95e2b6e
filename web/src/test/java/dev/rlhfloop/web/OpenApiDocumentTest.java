package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.PublicApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document against the gateway: it is served, each documented path goes to the
 * service its tag names, every routed prefix is documented, and the gateway's own answers (and
 * its 503 for a service it cannot reach) fit the documented schemas. That each service has exactly
 * the documented operations is checked in each service (PublicApiRoutesTest).
 */
@QuarkusTest
@WithTestResource(GatewayUpstream.class)
class OpenApiDocumentTest {
    private static final PublicApi API = PublicApi.load();

    @TestHTTPResource("/")
    URI base;

    @Inject
    ApiRoutes routes;


    /** A concrete path for a documented template: "{id}" → "x". */
    private static String concrete(String template) {
        return template.replaceAll("\\{[^}]+}", "x");
    }

    @Test
    void theDocumentIsServedAtTheOneUrl() throws Exception {
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/openapi.yaml")));
        assertEquals(200, res.statusCode());
        assertTrue(res.headers().firstValue("Content-Type").orElse("").startsWith("application/yaml"));
        assertEquals(API.text(), res.body());
    }

    @Test
    void everyDocumentedPathGoesToTheServiceItsTagNames() throws Exception {
        for (PublicApi.Operation op : API.operations()) {
            String path = concrete(op.path());
            if (op.service().equals("web")) {
                HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve(path)).method(op.method(), HttpRequest.BodyPublishers.noBody()));
                assertEquals(200, res.statusCode(), op + " is the gateway's own");
                assertEquals(List.of(), API.problems(op.method(), path, res.statusCode(), res.body()));
            } else {
                assertEquals(op.service(), routes.forPath(path).map(ApiRoutes.Upstream::name).orElse("nobody"), op.toString());
            }
        }
    }

    @Test
    void everyRoutedPrefixIsDocumented() {
        for (String prefix : routes.prefixes()) {
            assertTrue(API.operations().stream().anyMatch(op -> op.path().equals(prefix) || op.path().startsWith(prefix + "/")),
                    prefix + " is routed but not documented");
        }
    }

    @Test
    void theGatewaysAnswerForAnUnreachableServiceFitsTheDocument() throws Exception {
        // GatewayUpstream leaves the feedback service unreachable.
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/stats")));
        assertEquals(503, res.statusCode());
        assertEquals(List.of(), API.problems("GET", "/api/stats", 503, res.body()));
    }
}
