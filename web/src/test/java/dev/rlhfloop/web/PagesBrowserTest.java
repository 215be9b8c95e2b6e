package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.api.Stats;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The three pages in headless Chromium, through the gateway, against {@link ServicesStandIn}
 * speaking the public API: streaming, voting by keyboard and mouse, escaping, rejected votes,
 * the dashboard's live count, replay, and the bootstrap state. Saves the screenshots (target/screenshots/,
 * or docs/screenshots/ with {@code -Drlhf.screenshots.dir=docs/screenshots}).
 */
@QuarkusTest
@WithTestResource(ServicesStandIn.class)
class PagesBrowserTest extends BrowserPageTest {

    static final String MALICIOUS = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>Which animal lives in the sea?";

    @AfterEach
    void reset() {
        browser.driver.manage().deleteCookieNamed("rlhf_admin");
        ServicesStandIn.bootstrapping = false;
        ServicesStandIn.rlooVersion = false;
    }

    private void open(String page) {
        open(page, "all services up");
    }

    private void awaitBothAnswers() {
        browser.await(d -> "true".equals(d.findElement(By.id("comparison")).getAttribute("data-ready")));
    }

    private void pressKey(CharSequence key) {
        browser.find("body").sendKeys(key);
    }

    @Test
    void answersStreamInEscapedAndAKeyboardVoteRevealsTheVersions() {
        open("rate");
        int votesBefore = ServicesStandIn.votes.size();
        // Answers arrive token by token: the page records whether it ever showed text mid-stream
        // (polling from here could miss a stream that lasts half a second on a busy machine).
        browser.driver.executeScript("""
                window.__sawPartialText = false;
                new MutationObserver(() => {
                  const a = document.querySelector('#answer-A.streaming .answer-text');
                  if (a && a.textContent.length > 0) window.__sawPartialText = true;
                }).observe(document.getElementById('comparison'), {subtree: true, childList: true, characterData: true});""");
        WebElement input = browser.find("#prompt-input");
        input.sendKeys(MALICIOUS);
        input.sendKeys(Keys.ENTER);
        awaitBothAnswers();
        assertEquals(Boolean.TRUE, browser.driver.executeScript("return window.__sawPartialText"), "answer A streamed in");

        assertEquals(MALICIOUS, browser.find("#prompt-text").getText(), "the prompt is shown as text");
        assertTrue(browser.find("#answer-A .answer-text").getText().startsWith("You asked: " + MALICIOUS));
        assertEquals("A dolphin <b>swims</b> in the ocean & breathes air.", browser.find("#answer-B .answer-text").getText());
        assertTrue(browser.driver.findElements(By.cssSelector("#comparison img, #comparison script, #comparison b")).isEmpty(),
                "model text and prompts never become HTML");
        assertNull(browser.driver.executeScript("return window.__xss"));
        assertEquals("done", browser.find("#answer-B .answer-status").getText());
        browser.screenshot("rate");

        pressKey("1");
        browser.awaitText("#vote-result", "A was written by v3, B by v0");
        assertEquals(votesBefore + 1, ServicesStandIn.votes.size());
        Map<String, Object> vote = ServicesStandIn.votes.get(votesBefore);
        assertEquals("A", vote.get("choice"));
        // the rater is the session the stand-in issued when the page opened, as feedback-service does
        assertEquals(browser.driver.executeScript("return document.body.dataset.rater"), vote.get("rater"));
        assertTrue(((String) vote.get("rater")).startsWith("r-standin-"));
        assertEquals("v3", browser.find("#answer-A .version-badge").getText());
        assertTrue(browser.find("#answer-A").getAttribute("class").contains("chosen"));
        assertTrue(Integer.parseInt(browser.find("#my-votes").getText()) >= 1);
        browser.screenshot("rate-voted");

        // a second key press must not vote twice on the same comparison
        pressKey("2");
        pressKey("x");
        assertEquals(votesBefore + 1, ServicesStandIn.votes.size());
    }

    /** Thumbs on one answer, alone: recorded for this rater without a vote, once; the pairwise vote stays open. */
    @Test
    void anAnswerIsRatedAloneWithAThumbsAndThePairCanStillBeVotedOn() throws Exception {
        open("rate");
        browser.find("#from-pool").click();
        awaitBothAnswers();
        String id = browser.find("#comparison").getAttribute("data-id");
        String rater = (String) browser.driver.executeScript("return document.body.dataset.rater");
        WebElement down = browser.find("#answer-B .btn-thumb[data-thumb=DOWN]");
        down.click();
        browser.awaitText("#answer-B .thumbs-state", "Recorded: thumbs down");
        assertEquals("true", down.getAttribute("aria-pressed"));
        assertFalse(down.isEnabled(), "one thumbs per answer");
        assertEquals(Map.of("thumbsId", id + "/B/" + rater, "comparisonId", id, "slot", "B", "thumb", "DOWN", "rater", rater),
                ServicesStandIn.thumbs.get(id + "/B/" + rater));
        assertTrue(browser.find("#answer-A .btn-thumb[data-thumb=UP]").isEnabled(), "the other answer is rated on its own");
        assertTrue(browser.find("#vote-result").getAttribute("hidden") != null, "no vote cast");
        assertTrue(browser.find(".btn-vote[data-choice=A]").isEnabled(), "the pair can still be voted on");
        pressKey("1");
        browser.awaitText("#vote-result", "Vote recorded");
        assertEquals("Recorded: thumbs down", browser.find("#answer-B .thumbs-state").getText(), "the thumbs stays shown after the vote");
        // The stand-in answers as feedback-service does, to the record its OpenAPI schema is made from.
        HttpResponse<String> script = post("/api/thumbs/" + id + "/a", "{\"thumb\":\"up\"}");
        assertEquals(202, script.statusCode(), script.body());
        assertEquals(List.of(), ContractsFit.problems(script.body(), dev.rlhfloop.contracts.api.ThumbsAccepted.class));
    }

    @Test
    void anEmptyAnswerIsShownAsSuchAndCanBeVotedOn() {
        open("rate");
        int votesBefore = ServicesStandIn.votes.size();
        WebElement input = browser.find("#prompt-input");
        input.sendKeys(ServicesStandIn.SILENT_PROMPT);
        input.sendKeys(Keys.ENTER);
        awaitBothAnswers();
        assertTrue(browser.find("#answer-B").getAttribute("class").contains("empty"));
        assertEquals("done · empty answer", browser.find("#answer-B .answer-status").getText());
        assertFalse(browser.find("#answer-A").getAttribute("class").contains("empty"));
        pressKey("1");
        browser.awaitText("#vote-result", "Vote recorded: A is better");
        assertEquals(votesBefore + 1, ServicesStandIn.votes.size());
    }

    @Test
    void mouseVoteFromThePoolAndARejectedVoteShowsTheServersReason() {
        open("rate");
        int votesBefore = ServicesStandIn.votes.size();
        int countBefore = Integer.parseInt(browser.find("#my-votes").getText());
        browser.find("#from-pool").click();
        awaitBothAnswers();
        assertTrue(ServicesStandIn.POOL.contains(browser.find("#prompt-text").getText()));

        browser.find("#vote-reason").sendKeys("x".repeat(250));
        browser.find(".btn-vote[data-choice=B]").click();
        browser.awaitText("#rate-state", "Vote rejected");
        assertTrue(browser.find("#rate-state").getText().contains("reason is longer than 200 characters"));
        assertEquals(countBefore, Integer.parseInt(browser.find("#my-votes").getText()), "a rejected vote is not counted");
        assertTrue(browser.find(".btn-vote[data-choice=B]").isEnabled(), "the rater can vote again");

        browser.find("#vote-reason").clear();
        browser.find("#vote-reason").sendKeys("more precise");
        browser.find(".btn-vote[data-choice=B]").click();
        browser.awaitText("#vote-result", "Vote recorded: B is better");
        assertTrue(browser.find("#rate-state").getAttribute("hidden") != null);
        assertEquals(countBefore + 1, Integer.parseInt(browser.find("#my-votes").getText()));
        assertEquals("B", ServicesStandIn.votes.get(votesBefore).get("choice"));
        assertEquals("more precise", ServicesStandIn.votes.get(votesBefore).get("reason"));

        // N draws the next prompt; R regenerates the same prompt as a new comparison
        String first = browser.find("#comparison").getAttribute("data-id");
        pressKey("n");
        browser.await(d -> !first.equals(d.findElement(By.id("comparison")).getAttribute("data-id")));
        awaitBothAnswers();
        String prompt = browser.find("#prompt-text").getText();
        String second = browser.find("#comparison").getAttribute("data-id");
        pressKey("r");
        browser.await(d -> !second.equals(d.findElement(By.id("comparison")).getAttribute("data-id")));
        assertEquals(prompt, browser.find("#prompt-text").getText());

        assertEquals("", ServicesStandIn.comparisonModes.get(ServicesStandIn.comparisonModes.size() - 1), "the service's own mode by default");
        // the rater picks the live line against a line served beside it: the request names the mode
        new org.openqa.selenium.support.ui.Select(browser.find("#compare-mode")).selectByValue("line-vs-line");
        browser.find("#from-pool").click();
        browser.await(d -> ServicesStandIn.comparisonModes.get(ServicesStandIn.comparisonModes.size() - 1).equals("line-vs-line") ? true : null);
        awaitBothAnswers();
        new org.openqa.selenium.support.ui.Select(browser.find("#compare-mode")).selectByValue("");
    }

    @Test
    void dashboardShowsVersionsWinRatesAndCountsVotesLive() throws Exception {
        open("dashboard");
        browser.await(d -> d.findElements(By.cssSelector("#timeline .timeline-item")).size() == 4 ? true : null);
        browser.await(d -> d.findElements(By.cssSelector("#winrate-table tbody tr")).size() == 3 ? true : null);
        assertEquals("v3", browser.find("#kpi-version").getText());
        assertEquals("78.0%", browser.find("#kpi-rm").getText());
        assertEquals("on held-out pairs · v3", browser.find("#kpi-rm-detail").getText());
        browser.awaitText("#timeline .timeline-item", "from v2 · 86 votes · RM acc 78.0%");
        assertFalse(browser.driver.findElements(By.cssSelector("#chart-winrate canvas")).isEmpty(), "win-rate chart drawn");
        assertFalse(browser.driver.findElements(By.cssSelector("#chart-dpo canvas")).isEmpty(), "DPO chart drawn");
        assertEquals("3", browser.find("#chart-dpo").getAttribute("data-points"));
        browser.await(d -> d.findElements(By.cssSelector("#leaderboard-table tbody tr")).size() == 4 ? true : null);
        browser.awaitText("#leaderboard-table tbody tr:first-child", "1 v3 1153 1072 – 1241");
        browser.awaitText("#lines-table tbody tr[data-line=live]", "live v3 1153 1072 – 1241 v3 1153");
        assertFalse(browser.driver.findElements(By.cssSelector("#chart-leaderboard canvas")).isEmpty(), "leaderboard chart drawn");
        browser.awaitText("#gold-table tbody tr:first-child", "rater-ann 8 7 88% 53% – 98%");
        browser.awaitText("#agreement-table tbody tr:first-child", "rater-ann rater-bob 10 8 0.60");
        browser.awaitText("#agreement-table tbody tr:last-child", "all raters 10 8 0.60");
        browser.awaitText("#reliability-table tbody tr:first-child", "rater-ann 18 15 82% 1.27");
        browser.awaitText("#reliability-table tbody tr:last-child", "rater-bob 10 8 79% 1.14");

        // the stand-in answers in feedback-service's documented form
        HttpResponse<String> stats = get("/api/stats");
        assertEquals(List.of(), ContractsFit.problems(stats.body(), Stats.class));
        // the all-time total, not the sum of the last hour's per-minute series
        int shown = Integer.parseInt(browser.awaitText("#kpi-votes", "").replace(",", ""));
        assertTrue(shown >= ServicesStandIn.EARLIER_VOTES, "votes shown: " + shown);
        assertTrue(browser.find("#kpi-votes-detail").getText().matches("\\d+ decisive · \\d+ raters"),
                browser.find("#kpi-votes-detail").getText());
        HttpResponse<String> cmp = post("/api/comparisons", "{}");
        String id = ServicesStandIn.JSON.readTree(cmp.body()).get("id").asText();
        HttpResponse<String> voted = post("/api/votes", "{\"comparisonId\":\"" + id + "\",\"choice\":\"TIE\",\"rater\":\"script\"}");
        assertEquals(202, voted.statusCode());
        browser.await(d -> Integer.parseInt(d.findElement(By.id("kpi-votes")).getText().replace(",", "")) > shown ? true : null);
        browser.screenshot("dashboard");
    }

    @Test
    void eachAlgorithmsVersionShowsItsOwnMetrics() {
        ServicesStandIn.rlooVersion = true;
        open("dashboard");
        String item = browser.awaitText("#timeline .timeline-item[data-version='4']", "RLOO");
        assertTrue(item.contains("from v3 · 102 votes · RM acc 80.0% · reward 0.42 · KL 0.800"), item);
        assertFalse(item.contains("DPO loss"), item);
        assertEquals("83.0%", browser.find("#kpi-rm").getText(), "the latest version's reward model");
        assertTrue(browser.awaitText("#timeline .timeline-item[data-version='5']", "PPO")
                .contains("reward 0.47 · KL 0.900 · value loss 0.125 · clipped 5.0%"), browser.find("#timeline").getText());
        assertTrue(browser.awaitText("#timeline .timeline-item[data-version='6']", "GRPO")
                .contains("reward 0.51 · group σ 0.33 · KL 1.100 · clipped 10.0%"), browser.find("#timeline").getText());
        String kto = browser.awaitText("#timeline .timeline-item[data-version='7']", "KTO");
        assertTrue(kto.contains("KTO loss 0.480 · liked 0.12 · disliked -0.09 · acc 75.0%"), kto);
        browser.await(d -> "7".equals(d.findElement(By.id("chart-dpo")).getAttribute("data-points")) ? true : null);
        String legend = browser.find("#chart-dpo").getText();
        assertTrue(legend.contains("reward (RLOO · PPO · GRPO)") && legend.contains("KTO liked − disliked") && legend.contains("DPO · KTO loss"),
                "the chart's legend names each algorithm's series: " + legend);
    }

    @Test
    void replayFormValidatesStartsAReplayAndShowsItsLineBesideTheLiveOne() {
        // A rater sees no replay form: starting a replay is the admin's.
        open("replay");
        assertFalse(browser.find("#replay-form").isDisplayed(), "the replay form is the admin's");
        assertTrue(browser.find("#replay-admin-note").isDisplayed());
        // The one-time login link sets the admin cookie and opens the dashboard.
        browser.driver.get(base.resolve("/login?token=" + dev.rlhfloop.service.testing.TestSessions.ADMIN_TOKEN).toString());
        browser.await(d -> d.getCurrentUrl().endsWith("#dashboard") ? true : null);
        open("replay");
        browser.await(d -> d.findElement(By.id("replay-form")).isDisplayed() ? true : null);
        browser.find("input[name=from][value=OFFSETS]").click();
        browser.find("#replay-from-offset").clear();
        browser.find("#replay-from-offset").sendKeys("50");
        browser.find("#replay-to-offset").sendKeys("10");
        browser.find("#replay-start").click();
        browser.awaitText("#replay-state", "The end offset must be after the start offset.");
        browser.find("#replay-partition-offsets").sendKeys("0:9-4");
        browser.find("#replay-start").click();
        browser.awaitText("#replay-state", "Partition 0: the end offset must not be before the start.");
        browser.find("#replay-partition-offsets").clear();

        browser.find("#replay-from-offset").clear();
        browser.find("#replay-from-offset").sendKeys("0");
        browser.find("#replay-to-offset").clear();
        browser.find("#replay-to-offset").sendKeys("80");
        browser.find("#replay-line").sendKeys("replay-offsets");
        browser.find("#replay-parent").sendKeys("v1");
        org.openqa.selenium.support.ui.Select algorithms = new org.openqa.selenium.support.ui.Select(browser.find("#replay-algorithm"));
        assertEquals(List.of("", "DPO", "RLOO", "PPO", "GRPO", "KTO"),
                algorithms.getOptions().stream().map(o -> o.getAttribute("value")).toList(), "every algorithm can be replayed");
        algorithms.selectByValue("RLOO");
        browser.find("#replay-start").click();
        browser.awaitText("#replay-state", "Replay started");
        browser.awaitText("#replays", "replay-offsets");
        browser.awaitText("#lines", "replay-offsets");
        assertTrue(browser.find("#replays").getText().contains("offsets 0–80"));
        assertTrue(browser.find("#replays").getText().contains("starts from v1"), browser.find("#replays").getText());
        assertEquals("1", ServicesStandIn.replays.get(ServicesStandIn.replays.size() - 1).get("parent"), "the form sent the parent");
        assertTrue(browser.find("#replays").getText().contains("v2 … v4: identical to live"), browser.find("#replays").getText());
        assertTrue(browser.find("#replays").getText().contains("replay-offsets-5: new: past the versions of live"));
        assertEquals("RLOO", ServicesStandIn.replays.get(ServicesStandIn.replays.size() - 1).get("algorithm"), "the form sent the algorithm");
        assertTrue(browser.find("#replays").getText().contains("RLOO"), browser.find("#replays").getText());
        browser.awaitText("#lines", "RLOO");
        assertTrue(browser.find("#lines").getText().contains("live"));
        // served beside the live line, then no longer (the admin's buttons on each replayed line)
        browser.click(".serve-line[data-line=replay-offsets]");
        browser.awaitText("#lines-state", "Line replay-offsets is served beside the live line.");
        browser.await(d -> d.findElements(By.cssSelector("#lines .chip-served")).size() == 1 ? true : null);
        assertTrue(ServicesStandIn.servedLines.contains("replay-offsets"));
        browser.await(d -> d.findElement(By.cssSelector(".serve-line[data-line=replay-offsets]")).getText().equals("Stop serving") ? true : null);
        browser.click(".serve-line[data-line=replay-offsets]");
        browser.awaitText("#lines-state", "Line replay-offsets is no longer served.");
        assertFalse(ServicesStandIn.servedLines.contains("replay-offsets"));
        browser.await(d -> d.findElements(By.cssSelector("#lines .chip-served")).isEmpty() ? true : null);
        browser.screenshot("replay");

        browser.find("#replay-start").click();   // a second replay while one runs
        browser.awaitText("#replay-state", "Trainer busy");
        assertTrue(browser.find("#replay-state").getText().contains("a replay is already running"));
    }

    @Test
    void beforeTheFirstModelTheRatePageSaysSoAndTheDashboardShowsTheBootstrap() {
        ServicesStandIn.bootstrapping = true;
        open("rate");
        browser.find("#from-pool").click();
        browser.awaitText("#rate-state", "No model yet");
        assertTrue(browser.find("#rate-state").getText().contains("bootstrapping"));

        browser.find("nav a[data-page=dashboard]").click();
        browser.await(d -> d.findElement(By.id("bootstrap")).isDisplayed());
        assertEquals("Pretraining", browser.find("#bootstrap-phase").getAttribute("textContent"));
        assertTrue(browser.find("#bootstrap-text").getText().startsWith("step 900 of 2,000 (45%)"));
        assertEquals("width: 45%;", browser.find("#bootstrap-bar").getAttribute("style"));
        // What the first model is and why: the trainer's core-count rule (or the user's base model).
        assertEquals("First model: nano, 560 pretraining + 1125 SFT steps (2 cores: 2 or 3: the measured nano run of docs/training.md)",
                browser.find("#bootstrap-plan").getText());
        assertEquals("90", browser.find("#chart-bootstrap").getAttribute("data-points"));
        browser.awaitText("#dash-state", "No model yet");
        browser.screenshot("dashboard-bootstrap");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .header("Authorization", dev.rlhfloop.service.testing.TestSessions.rater("script"))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
