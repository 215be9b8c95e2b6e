package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;

/**
 * Every page on a phone-sized screen (Chromium's mobile emulation at 360 and 390 CSS pixels wide):
 * nothing wider than the screen, the status badge fully visible, answers stacked, vote buttons at
 * least 44 px tall. Saves phone-*.png screenshots at 390 px.
 */
@QuarkusTest
@WithTestResource(ServicesStandIn.class)
class PhoneLayoutBrowserTest extends BrowserPageTest {

    private void open(String page, int width) {
        browser.driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", 800, "deviceScaleFactor", 1, "mobile", true));
        open(page, "all services up");
    }

    private Object script(String js) {
        return browser.driver.executeScript(js);
    }

    private void assertFitsTheScreen(String page, int width) {
        // Mobile Chromium widens the layout viewport to fit content that does not fit the screen.
        assertEquals(width, ((Number) script("return window.innerWidth")).intValue(),
                page + " is laid out wider than the " + width + " px screen");
        long scrollWidth = ((Number) script("return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")).longValue();
        assertTrue(scrollWidth <= width, page + " at " + width + " px scrolls sideways: content is " + scrollWidth + " px wide");
        double badgeRight = ((Number) script("return document.getElementById('service-status').getBoundingClientRect().right")).doubleValue();
        assertTrue(badgeRight <= width, page + ": status badge ends at " + badgeRight);
    }

    @ParameterizedTest
    @ValueSource(ints = {360, 390})
    void theRatePageStacksTheAnswersAndKeepsTheButtonsWithinThumbReach(int width) {
        open("rate", width);
        browser.find("#prompt-input").sendKeys("Which animal lives in the sea?", Keys.ENTER);
        browser.await(d -> "true".equals(d.findElement(By.id("comparison")).getAttribute("data-ready")));
        assertFitsTheScreen("rate", width);
        double aBottom = ((Number) script("return document.getElementById('answer-A').getBoundingClientRect().bottom")).doubleValue();
        double bTop = ((Number) script("return document.getElementById('answer-B').getBoundingClientRect().top")).doubleValue();
        assertTrue(aBottom <= bTop, "answers stacked: A ends at " + aBottom + ", B starts at " + bTop);
        @SuppressWarnings("unchecked")
        List<Number> heights = (List<Number>) script(
                "return [...document.querySelectorAll('.btn-vote')].map(b => b.getBoundingClientRect().height)");
        assertEquals(4, heights.size());
        heights.forEach(h -> assertTrue(h.doubleValue() >= 44, "vote button " + h + " px tall"));
        if (width == 390) browser.screenshot("phone-rate");
        browser.find(".btn-vote[data-choice=A]").click();
        browser.awaitText("#vote-result", "A was written by");
        assertFitsTheScreen("rate after the vote", width);
    }

    @ParameterizedTest
    @ValueSource(ints = {360, 390})
    void theDashboardAndReplayPagesFitTheScreen(int width) {
        open("dashboard", width);
        browser.await(d -> d.findElements(By.cssSelector("#leaderboard-table tbody tr")).size() == 4 ? true : null);
        assertFitsTheScreen("dashboard", width);
        if (width == 390) browser.screenshot("phone-dashboard");
        open("replay", width);
        assertFitsTheScreen("replay", width);
        if (width == 390) browser.screenshot("phone-replay");
    }

    @ParameterizedTest
    @ValueSource(ints = {360, 390})
    void theChatPageAndARateThreadFitTheScreen(int width) {
        open("chat", width);
        browser.await(d -> d.findElements(By.cssSelector("#chat-version option")).size() > 1 ? true : null);
        for (int turn = 1; turn <= 2; turn++) {
            browser.find("#chat-input").sendKeys("Tell me a long story about the sea and the animals that live in it, number " + turn, Keys.ENTER);
            String turns = String.valueOf(turn);
            browser.await(d -> turns.equals(d.findElement(By.id("page-chat")).getAttribute("data-turns")) ? true : null);
        }
        assertFitsTheScreen("chat", width);
        double send = ((Number) script("return document.getElementById('chat-send').getBoundingClientRect().height")).doubleValue();
        assertTrue(send >= 44, "send button " + send + " px tall");
        if (width == 390) browser.screenshot("phone-chat");
        browser.find("#chat-rate").click();
        browser.await(d -> "2".equals(d.findElement(By.id("comparison")).getAttribute("data-turn"))
                && "true".equals(d.findElement(By.id("comparison")).getAttribute("data-ready")));
        browser.find("#followup-input").sendKeys("And one more?", Keys.ENTER);
        browser.await(d -> "3".equals(d.findElement(By.id("comparison")).getAttribute("data-turn"))
                && "true".equals(d.findElement(By.id("comparison")).getAttribute("data-ready")));
        assertFitsTheScreen("rate thread", width);
        if (width == 390) browser.screenshot("phone-rate-thread");
    }
}
