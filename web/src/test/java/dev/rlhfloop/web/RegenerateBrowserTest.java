package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;

/**
 * The rate page when the inference instance streaming its answers dies: the gateway ends the stream
 * with an error event, the page says so, and Regenerate asks again, which the gateway sends to an
 * instance that is up (InferenceInstances).
 */
@QuarkusTest
@WithTestResource(InferenceInstances.class)
class RegenerateBrowserTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void anInstanceDyingMidStreamIsShownAndRegenerateAsksALiveOne() {
        try (Browser browser = new Browser()) {
            browser.open(base, "rate", "all services up");
            browser.find("#prompt-input").sendKeys(InferenceInstances.DYING_PROMPT, Keys.ENTER);
            String state = browser.awaitText("#rate-state", "Generation failed");
            assertTrue(state.contains("start a new comparison (Regenerate)"), state);
            String dead = browser.find("#comparison").getAttribute("data-id");
            assertTrue(dead.endsWith(".dying"), dead);

            browser.find("#regenerate").click();
            browser.awaitText("#answer-A .answer-text", "Hello");
            String fresh = browser.find("#comparison").getAttribute("data-id");
            assertTrue(fresh.matches("(alpha|beta)\\.c\\d+"), fresh);
            assertTrue(browser.find("#rate-state").getAttribute("hidden") != null, "the error is cleared");
        }
    }
}
