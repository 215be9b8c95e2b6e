package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.RaterCheck;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.ThumbsEvent;
import dev.rlhfloop.contracts.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The whole loop as a person sees it, against the REAL stack: open the rate page, watch two answers
 * stream in, vote with the mouse and with the keyboard, see the votes land in Kafka and the
 * dashboard's count rise and the stats stream (SSE) carry it, rate an answer alone (thumbs down, no vote) and see it land on
 * rlhf.thumbs, keep voting until the trainer publishes a new version and the dashboard shows it. Saves the screenshots e2e-rate.png and e2e-dashboard.png (target/screenshots/, or
 * docs/screenshots/ with {@code -Drlhf.screenshots.dir=docs/screenshots}).
 *
 * <p>It starts nothing itself. Start the stack first (broker, inference 8081, feedback 8082,
 * trainer 8083 with a model published or bootstrapping, and this web app on 8080), then run
 * {@code mvn verify -pl web -De2e}. Settings (system properties):
 * {@code rlhf.e2e.url} (default http://127.0.0.1:8080), {@code rlhf.e2e.kafka} (bootstrap servers,
 * default 127.0.0.1:9092), {@code rlhf.e2e.maxVotes} (votes to cast while waiting for a new version,
 * default 60), {@code rlhf.e2e.minutes} (patience for generation, bootstrap and training, default 10).
 * A second test holds three-turn conversations on the Rate and Chat pages with the real models.
 */
class RateFlowBrowserIT {

    static final String URL = System.getProperty("rlhf.e2e.url", "http://127.0.0.1:8080");
    static final String KAFKA = System.getProperty("rlhf.e2e.kafka", "127.0.0.1:9092");
    static final int MAX_VOTES = Integer.getInteger("rlhf.e2e.maxVotes", 60);
    static final Duration PATIENCE = Duration.ofMinutes(Integer.getInteger("rlhf.e2e.minutes", 10));

    static Browser browser;

    @BeforeAll
    static void checkTheStackAndOpenBrowser() throws Exception {
        java.net.http.HttpResponse<String> status;
        try {
            status = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(URL + "/api/status"))
                            .timeout(Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("RateFlowBrowserIT needs the running stack: nothing answers at " + URL
                    + " (start broker, inference, feedback, trainer and web first; see the class comment)", e);
        }
        assertTrue(status.statusCode() == 200 && !status.body().contains("\"reachable\":false"),
                "every service must be reachable through " + URL + "/api/status: " + status.body());
        browser = new Browser();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    private static <T> T await(Duration timeout, java.util.function.Function<org.openqa.selenium.WebDriver, T> condition) {
        return new WebDriverWait(browser.driver, timeout, Duration.ofMillis(250))
                .withMessage(() -> "waited " + timeout + "; rate page says: " + text("#rate-state")
                        + " | dashboard says: " + text("#dash-state") + " | votes shown: " + text("#kpi-votes")
                        + " (" + text("#kpi-votes-detail") + "), last streamed: " + streamedVoteTotal())
                .until(condition);
    }

    private static String text(String css) {
        return browser.find(css).getAttribute("textContent").trim();
    }

    private static int number(String css) {
        String shown = text(css).replace(",", "");
        return shown.matches("\\d+") ? Integer.parseInt(shown) : -1;
    }

    private static void openPage(String page) {
        browser.driver.get(URL + "/#/" + page);
        browser.driver.navigate().refresh();
        browser.awaitPageShown(page);
    }

    /**
     * Draws a prompt from the pool (asking again while there is no model yet) and waits for both
     * answers; returns how many token chunks arrived while the answers were still streaming.
     */
    private static long nextComparison() {
        browser.driver.executeScript("""
                window.__chunks = 0;
                if (!window.__observer) {
                  window.__observer = new MutationObserver(() => {
                    if (document.querySelector('.answer.streaming')) window.__chunks++;
                  });
                  window.__observer.observe(document.getElementById('comparison'),
                      {subtree: true, childList: true, characterData: true});
                }""");
        String before = browser.find("#comparison").getAttribute("data-id");
        browser.find("#from-pool").click();
        await(PATIENCE, d -> {
            String id = d.findElement(By.id("comparison")).getAttribute("data-id");
            if (id != null && !id.equals(before)) {
                return true;
            }
            if ("no_model".equals(d.findElement(By.id("rate-state")).getAttribute("data-code"))) {
                sleep(3000);                                   // bootstrapping: ask again
                d.findElement(By.id("from-pool")).click();
            }
            return null;
        });
        await(Duration.ofMinutes(2), d -> "true".equals(d.findElement(By.id("comparison")).getAttribute("data-ready")));
        for (String slot : List.of("A", "B")) {
            // a model may end at once: the card then says so instead of showing text
            boolean empty = browser.find("#answer-" + slot).getAttribute("class").contains("empty");
            assertTrue(empty == text("#answer-" + slot + " .answer-text").isEmpty(),
                    "answer " + slot + " shows its text, or says it is empty");
        }
        return ((Number) browser.driver.executeScript("return window.__chunks")).longValue();
    }

    /**
     * {@link #nextComparison()}, drawing again while the comparison is a gold check: a vote on one
     * checks the rater and is left out of the vote totals the dashboard counts (5% of comparisons on
     * the stack's defaults). A rater cannot tell; its generation events on Kafka say so.
     */
    private static void nextCountedComparison() {
        nextComparison();
        while (isGold(browser.find("#comparison").getAttribute("data-id"))) {
            nextComparison();
        }
    }

    private static boolean isGold(String comparisonId) {
        RaterCheck check = eventOf(Topics.GENERATIONS, comparisonId, GenerationEvent.class).check();
        return check != null && check.gold();
    }

    private static void awaitVoteRecorded() {
        browser.awaitText("#vote-result", "Vote recorded");
    }

    @Test
    void aRaterVotesByMouseAndKeyboardAndTheLoopPublishesANewVersion() {
        openPage("rate");
        long chunks = nextComparison();
        // After LoopIT the latest version may write next to nothing; half the comparisons pit it against
        // the SFT baseline, so 15 more draws all without a longer answer would be a chance of ~3e-5.
        for (int skipped = 0; chunks <= 4 && skipped < 15; skipped++) {
            chunks = nextComparison();                                 // two very short answers: draw again
        }
        assertTrue(chunks > 4, "the answers streamed in token by token (" + chunks + " chunks)");
        // A model answers now (the stack may have been bootstrapping): the versions from here on are
        // the ones trained on votes.
        int versionsBefore = publishedVersions();
        openPage("dashboard");
        await(PATIENCE, d -> number("#kpi-votes") >= 0 ? true : null);
        int votesBefore = number("#kpi-votes");
        openPage("rate");
        listenToStatsStream();
        nextCountedComparison();
        browser.screenshot("e2e-rate");
        browser.find(".btn-vote[data-choice=A]").click();                 // by mouse
        awaitVoteRecorded();
        // The feedback service pushes the new count through the gateway's /api/stats/events (SSE),
        // the stream the dashboard subscribes to, without anyone asking again.
        await(Duration.ofMinutes(1), d -> streamedVoteTotal() >= votesBefore + 1 ? true : null);
        assertTrue(browser.find("#vote-result").getText().contains("A was written by"), "versions revealed");
        // The server issued this browser's rater session when the app opened.
        String rater = (String) browser.driver.executeScript("return document.body.dataset.rater");

        nextCountedComparison();
        browser.find("body").sendKeys("2");                                // by keyboard
        awaitVoteRecorded();
        assertTrue(votesOnTopic(rater, 2), "both browser votes are on " + Topics.VOTES);

        // An answer rated alone, without a pairwise vote: a thumbs down on B, on the thumbs topic with B's text.
        nextComparison();
        String alone = browser.find("#comparison").getAttribute("data-id");
        String answerB = text("#answer-B .answer-text");
        browser.find("#answer-B .btn-thumb[data-thumb=DOWN]").click();
        browser.awaitText("#answer-B .thumbs-state", "Recorded: thumbs down");
        assertEquals("true", browser.find("#answer-B .btn-thumb[data-thumb=DOWN]").getAttribute("aria-pressed"));
        ThumbsEvent thumbs = eventOf(Topics.THUMBS, alone, ThumbsEvent.class);
        assertEquals(List.of(rater, Slot.B, false, answerB), List.of(thumbs.rater(), thumbs.slot(), thumbs.up(), thumbs.answer().text().trim()));
        assertTrue(browser.find("#vote-result").getAttribute("hidden") != null, "no vote was cast on that comparison");

        openPage("dashboard");
        await(Duration.ofMinutes(1), d -> number("#kpi-votes") >= votesBefore + 2 ? true : null);

        // Keep rating until the trainer publishes a version trained on these votes.
        openPage("rate");
        int cast = 2;
        while (cast < MAX_VOTES && publishedVersions() <= versionsBefore) {
            nextComparison();
            browser.find("body").sendKeys(cast % 2 == 0 ? "1" : "2");
            awaitVoteRecorded();
            cast++;
        }
        openPage("dashboard");
        await(PATIENCE, d -> d.findElements(By.cssSelector("#timeline .timeline-item")).size() > versionsBefore ? true : null);
        assertTrue(publishedVersions() > versionsBefore, "the trainer published a version trained on the votes");
        String minutes = browser.find("#chart-vpm").getAttribute("data-points");
        assertTrue(minutes != null && Integer.parseInt(minutes) >= 11, "votes per minute over at least ten minutes: " + minutes);
        browser.screenshot("e2e-dashboard");
    }

    private static void awaitTurn(int turn) {
        await(Duration.ofMinutes(2), d -> String.valueOf(turn).equals(d.findElement(By.id("comparison")).getAttribute("data-turn"))
                && "true".equals(d.findElement(By.id("comparison")).getAttribute("data-ready")));
    }

    /**
     * Three turns on the Rate page (the vote on the last turn becomes a pair carrying each side's
     * history), and a three-message chat sent to rating, with the real models.
     */
    @Test
    void threeTurnConversationsOnTheRateAndChatPages() {
        openPage("rate");
        nextComparison();
        for (int turn = 2; turn <= 3; turn++) {
            browser.find("#followup-input").sendKeys("Tell me more, please.", org.openqa.selenium.Keys.ENTER);
            awaitTurn(turn);
        }
        assertTrue(browser.driver.findElements(By.cssSelector("#thread .thread-turn")).size() == 2, "two earlier turns shown");
        String lastTurn = browser.find("#comparison").getAttribute("data-id");
        browser.find("body").sendKeys("1");
        awaitVoteRecorded();
        PreferencePair pair = eventOf(Topics.PREFERENCE_PAIRS, lastTurn, PreferencePair.class);
        assertTrue(pair.history() != null && !pair.history().chosen().isEmpty() && pair.history().chosen().size() <= 2,
                "the last turn's pair carries the history its model had: " + pair.history());

        openPage("chat");
        for (int message = 1; message <= 3; message++) {
            browser.find("#chat-input").sendKeys("Name an animal, number " + message + ".", org.openqa.selenium.Keys.ENTER);
            String turns = String.valueOf(message);
            await(Duration.ofMinutes(2), d -> turns.equals(d.findElement(By.id("page-chat")).getAttribute("data-turns")) ? true : null);
        }
        assertTrue(browser.driver.findElements(By.cssSelector("#chat-thread .chat-model")).size() == 3);
        browser.find("#chat-rate").click();
        awaitTurn(3);
    }

    /** The first event of {@code comparisonId} on {@code topic} (a pair, a thumbs) once the feedback service published it. */
    private static <T> T eventOf(String topic, String comparisonId, Class<T> type) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "web-e2e-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (comparisonId.equals(r.key()) && r.value() != null) return Json.read(r.value(), type);
                }
            }
        }
        throw new AssertionError("no event for " + comparisonId + " on " + topic + " within a minute");
    }

    /** Opens the real stack's stats stream in this page, as the dashboard does, and keeps the last total it carried. */
    /**
     * Follows {@code /api/stats/events} as a client that stays on it: the stream answers 503
     * {@code stores_loading} while the feedback stores rebalance (as after LoopIT's trainer restart),
     * and an EventSource refused with a status never retries by itself, so it opens the stream again.
     */
    private static void listenToStatsStream() {
        browser.driver.executeScript("""
                window.__streamedVotes = -1;
                const open = () => {
                  const source = new EventSource('/api/stats/events');
                  source.addEventListener('stats', (e) => { window.__streamedVotes = JSON.parse(e.data).totals.votes; });
                  source.onerror = () => { if (source.readyState === EventSource.CLOSED) setTimeout(open, 1000); };
                };
                open();""");
    }

    private static long streamedVoteTotal() {
        Object votes = browser.driver.executeScript("return window.__streamedVotes");
        return votes == null ? -1 : ((Number) votes).longValue();
    }

    private static int publishedVersions() {
        Object n = browser.driver.executeScript(
                "return fetch('/api/models').then(r => r.ok ? r.json() : [])"
                        + ".then(d => (Array.isArray(d) ? d : (d.versions || [])).length)");
        return n == null ? 0 : ((Number) n).intValue();
    }

    /** True once {@code count} vote events from this rater are on the votes topic. */
    private static boolean votesOnTopic(String rater, int count) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "web-e2e-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.VOTES));
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline && seen.size() < count) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() != null && r.value().contains(rater)) {
                        seen.add(r.key() + "@" + r.partition() + ":" + r.offset());
                    }
                }
            }
        }
        return seen.size() >= count;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
