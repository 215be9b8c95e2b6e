package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/** The app served with no service running: every page says so plainly, nothing breaks. */
@QuarkusTest
@WithTestResource(ServicesDown.class)
class ServicesDownBrowserTest extends BrowserPageTest {

    private void open(String page) {
        open(page, "services down");
    }

    @Test
    void ratePageExplainsThatTheInferenceServiceIsDownAndListsItsShortcuts() {
        open("rate");
        assertTrue(browser.find("#banner").getText().startsWith("No service is reachable yet: inference-service, feedback-service, trainer-service."));
        assertEquals("Answer A", browser.find("#answer-A h2").getAttribute("textContent"));
        String shortcuts = browser.find(".shortcuts").getText();
        for (String key : new String[] {"1", "2", "3", "4", "A", "B", "T", "X", "S", "R", "N"}) {
            assertTrue(browser.driver.findElements(By.xpath("//p[@class='shortcuts']/kbd[text()='" + key + "']")).size() == 1,
                    "shortcut " + key + " is listed in: " + shortcuts);
        }

        // The N shortcut is wired: it asks for a prompt from the pool, and the answer is a clear 503 —
        // here already for the rater session, which feedback-service issues.
        browser.find("body").sendKeys("n");
        String state = browser.awaitText("#rate-state", "Service down");
        assertTrue(state.contains("feedback-service is not reachable at http://127.0.0.1:"), state);
        assertEquals("service_unavailable", browser.find("#rate-state").getAttribute("data-code"));
        assertTrue(browser.find("#comparison").getAttribute("hidden") != null, "no half-drawn comparison");

        browser.screenshot("rate-services-down");

        // Typing in the prompt box is text, not shortcuts.
        browser.find("#prompt-input").sendKeys("n1r");
        assertEquals("n1r", browser.find("#prompt-input").getAttribute("value"));
    }

    @Test
    void dashboardAndReplaySayWhichServiceIsDown() {
        open("dashboard");
        String state = browser.awaitText("#dash-state", "Service down");
        assertTrue(state.contains("trainer-service is not reachable"), state);
        assertTrue(state.contains("feedback-service is not reachable"), state);
        assertEquals("down", browser.find("#kpi-trainer").getAttribute("textContent"));
        assertEquals("No version published yet.", browser.find("#timeline").getText());

        browser.find("nav a[data-page=replay]").click();
        String replays = browser.awaitText("#replays", "Service down");
        assertTrue(replays.contains("trainer-service is not reachable"), replays);
        assertFalse(browser.find("#replay-form").isDisplayed(), "starting a replay is the admin's (and no session could be opened)");
    }
}
