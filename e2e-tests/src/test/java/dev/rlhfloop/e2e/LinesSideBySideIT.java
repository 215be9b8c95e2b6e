package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.cli.RateCommand;
import dev.rlhfloop.contracts.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * "Replay the log with another algorithm, then let people judge", end to end on the shared stack: a
 * replay's line (ReplayCommandOnWholeStackIT's, or one replayed here when run alone) is served beside
 * the live line through the gateway, a simulated rater asks for line-vs-line comparisons and votes, each
 * comparison's versions are the live line's latest and the served line's, and the served version gets a
 * Bradley–Terry rating on the leaderboard, labelled with its line; once no longer served, the mode is refused.
 */
@DisabledIfSystemProperty(named = "rlhf.e2e.loop", matches = "false")
@ExtendWith(SharedStack.class)
@Order(Order.DEFAULT + 4)
class LinesSideBySideIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private static final int VOTES = 4;
    /** Gold checks drawn past at most: 4 line-vs-line comparisons take more than 4 + 8 draws with odds below 1e-7 at a 5% gold share. */
    private static final int GOLD_DRAWS = 8;

    @Test
    void aReplayLineServedBesideTheLiveOneGetsVotesAndARating() throws Exception {
        String url = SharedStack.stack().url();
        String line = aReplayLine(url);
        HttpResponse<String> served = send(url, "POST", "/api/lines/" + line + "/serve", null, admin());
        assertEquals(200, served.statusCode(), served.body());
        JsonNode serving = Json.MAPPER.readTree(served.body());
        assertTrue(serving.path("served").asBoolean(), served.body());
        String version = serving.path("answeringVersion").asText();
        assertTrue(version.startsWith(line + "-"), served.body());
        assertEquals(403, send(url, "POST", "/api/lines/" + line + "/serve", null, rater(url)).statusCode(), "admin only");

        // a rater who prefers the shorter answer decides nearly every vote; 503 no_model while the line's version loads
        RateCommand.Session rater = new RateCommand.Session(URI.create(url), RateCommand.Rule.parse("shorter", 12), Duration.ofMinutes(5))
                .comparing("line-vs-line");
        // A rater's comparisons include gold checks (5%, the built-in tasks' reference answer against a wrong one, both
        // under the live version's name): up to GOLD_DRAWS of those are drawn past.
        Set<String> answered = new HashSet<>();
        int lineVotes = 0;
        for (int draws = 0; lineVotes < VOTES; draws++) {
            assertTrue(draws < VOTES + GOLD_DRAWS, "only " + lineVotes + " line-vs-line comparisons in " + draws + " draws");
            RateCommand.Vote vote = rater.rateOne(System.out::println);
            Set<String> versions = new HashSet<>();
            vote.answers().forEach(a -> versions.add(a.modelVersion()));
            if (versions.size() == 1 && !versions.contains(version)) continue;   // a gold check
            assertTrue(versions.contains(version), "the served line's latest answers in every line-vs-line comparison: " + versions);
            assertEquals(2, versions.size(), "against the live line's latest: " + versions);
            answered.addAll(versions);
            lineVotes++;
        }

        JsonNode rating = awaitRating(url, version);
        assertEquals(line, rating.path("line").asText(), rating.toString());
        assertTrue(rating.path("games").asLong() >= VOTES, rating.toString());
        assertTrue(rating.path("low").asDouble() <= rating.path("rating").asDouble()
                && rating.path("rating").asDouble() <= rating.path("high").asDouble(), rating.toString());
        System.out.printf("line %s: %s rated %.0f (%.0f – %.0f) after %d votes against %s%n", line, version,
                rating.path("rating").asDouble(), rating.path("low").asDouble(), rating.path("high").asDouble(), VOTES, answered);

        HttpResponse<String> stopped = send(url, "DELETE", "/api/lines/" + line + "/serve", null, admin());
        assertEquals(200, stopped.statusCode(), stopped.body());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> refused;
        do {
            refused = send(url, "POST", "/api/comparisons", "{\"prompt\": \"Name a farm animal.\", \"mode\": \"line-vs-line\"}", rater(url));
        } while (refused.statusCode() == 201 && System.nanoTime() < deadline);
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("no line is served beside the live line"), refused.body());
    }

    /** A line other than the live one on the registry: ReplayCommandOnWholeStackIT's when it ran, else one replayed now. */
    private static String aReplayLine(String url) throws Exception {
        for (JsonNode model : json(url, "/api/models")) {
            if (!model.path("line").asText().equals("live")) return model.path("line").asText();
        }
        // alone on a fresh stack: a few decisive votes (after the bootstrap, which a busy machine stretches), then a replay of
        // them into a line of its own
        RateCommand.Session voter = new RateCommand.Session(URI.create(url), RateCommand.Rule.parse("shorter", 12), Duration.ofMinutes(20));
        for (int decisive = 0, i = 0; i < 40 && decisive < 4; i++) {
            String choice = voter.rateOne(System.out::println).choice();
            if (choice.equals("A") || choice.equals("B")) decisive++;
        }
        String line = "sbs-replay";
        HttpResponse<String> started = send(url, "POST", "/api/replays", "{\"from\": \"BEGINNING\", \"line\": \"" + line + "\"}", admin());
        assertEquals(202, started.statusCode(), started.body());
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode model : json(url, "/api/models")) {
                if (model.path("line").asText().equals(line)) return line;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("the replay published no version of " + line + " within 5 minutes");
    }

    /** The leaderboard's entry for {@code version} once it counts every vote cast here (refitted every few seconds). */
    private static JsonNode awaitRating(String url, String version) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            for (JsonNode rating : json(url, "/api/stats").path("leaderboard")) {
                if (rating.path("version").asText().equals(version)) {
                    last = rating;
                    if (rating.path("games").asLong() >= VOTES) return rating;
                }
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("no rating of " + version + " counting " + VOTES + " votes within 90 s: " + last);
    }

    private static String admin() {
        return "Bearer " + SharedStack.stack().adminToken();
    }

    private static String rater(String url) throws Exception {
        HttpResponse<String> opened = send(url, "POST", "/api/session", "", null);
        assertEquals(201, opened.statusCode(), opened.body());
        return "Bearer " + Json.MAPPER.readTree(opened.body()).path("token").asText();
    }

    private static JsonNode json(String url, String path) throws Exception {
        HttpResponse<String> r = send(url, "GET", path, null, null);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return Json.MAPPER.readTree(r.body());
    }

    private static HttpResponse<String> send(String url, String method, String path, String json, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) request.header("Content-Type", "application/json");
        if (authorization != null) request.header("Authorization", authorization);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
