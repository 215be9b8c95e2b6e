package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Pooled connections the service closed under a request: a GET is sent again, a POST is not repeated. */
@QuarkusTest
@WithTestResource(ClosingUpstream.class)
class GatewayPooledConnectionTest {

    @TestHTTPResource("/")
    URI base;


    @Test
    void getsOnConnectionsTheServiceClosedAreSentAgainAndAPostIsNot() throws Exception {
        // Every connection the service accepts answers once and is dropped at its next request, so
        // each GET that reuses a pooled connection fails there first and must be sent again.
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> answer = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/models")));
            assertEquals(200, answer.statusCode(), "GET " + i + ": " + answer.body());
            Thread.sleep(50);
        }
        int reused = ClosingUpstream.dropped.get();
        assertTrue(reused > 0, "no GET reused a pooled connection (" + ClosingUpstream.connections.get() + " connections)");

        // A POST may have had its effect before the connection dropped: it is not repeated.
        HttpResponse<String> post = null;
        for (int i = 0; i < 20 && ClosingUpstream.dropped.get() == reused; i++) {
            post = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/replays"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", dev.rlhfloop.service.testing.TestSessions.admin())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"from\":\"BEGINNING\"}")));
            Thread.sleep(50);
        }
        assertNotNull(post);
        assertEquals(reused + 1, ClosingUpstream.dropped.get(), "no POST reused a pooled connection");
        assertEquals(503, post.statusCode(), post.body());
        assertTrue(post.body().startsWith("{\"error\":\"service_unavailable\",\"reason\":\"trainer-service is not reachable"), post.body());
    }
}
