package dev.rlhfloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The one line a verb prints for a refused request: the service's reason, or the odd body itself. */
class PublicApiClientTest {
    @Test
    void aServiceErrorShowsItsReasonAndKeepsItsCode() {
        var answer = new PublicApiClient.Response<>(409, "{\"error\": \"trainer_busy\", \"reason\": \"replay r1 is still running\"}", null);
        assertEquals("HTTP 409: replay r1 is still running", answer.reason());
        assertEquals("trainer_busy", answer.code());
    }

    @Test
    void aBodyWithoutAReasonIsShownAbbreviated() {
        assertEquals("HTTP 502: <html>Bad Gateway</html>", new PublicApiClient.Response<>(502, "<html>Bad Gateway</html>\n", null).reason());
        assertEquals("HTTP 500: {\"details\":\"boom\"}", new PublicApiClient.Response<>(500, "{\"details\":\"boom\"}", null).reason());
        assertEquals("HTTP 404", new PublicApiClient.Response<>(404, "", null).reason());
    }

    @Test
    void retryAfterIsReadInSecondsAndFallsBackWhenAbsentOrOdd() {
        assertEquals(java.time.Duration.ofSeconds(7), new PublicApiClient.Response<>(429, "", null, java.util.Optional.of(" 7")).retryAfterOr(java.time.Duration.ZERO));
        assertEquals(java.time.Duration.ofSeconds(1), new PublicApiClient.Response<>(429, "", null).retryAfterOr(java.time.Duration.ofSeconds(1)));
        assertEquals(java.time.Duration.ofSeconds(1), new PublicApiClient.Response<>(503, "", null, java.util.Optional.of("soon"))
                .retryAfterOr(java.time.Duration.ofSeconds(1)));
    }
}
