package dev.rlhfloop.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.contracts.PublicApi;
import org.junit.jupiter.api.Test;

/** The OpenAPI document (contracts' openapi.yaml) names exactly the /api routes this service has. */
class PublicApiRoutesTest {
    @Test
    void everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() {
        assertEquals(PublicApi.load().documentedRoutes("feedback-service"), PublicApi.jaxRsRoutes(StatsResource.class));
    }
}
