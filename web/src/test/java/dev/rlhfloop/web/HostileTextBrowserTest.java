package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The dashboard and replay pages in headless Chromium with hostile text in every field they show
 * that users or data fill: version labels, line names, a replay's id, parent, algorithm, error and
 * verdict reasons, a rater's id and name, a service's error reason ({@link ServicesStandIn#hostile}).
 * Nothing of it may run, and each shows literally. (The rate page's prompts and answers:
 * PagesBrowserTest.) The real trainer refuses such line names (StartReplay.LINE); the pages must
 * not rely on it.
 */
@QuarkusTest
@WithTestResource(ServicesStandIn.class)
class HostileTextBrowserTest extends BrowserPageTest {

    /** Markup that runs if inserted as HTML, a closing script tag, both quotes, an entity, and right-to-left marks. */
    static final String HOSTILE = "\u202E<img src=x onerror=\"window.__xss=1\">'\"</script><script>window.__xss=2</script>"
            + "<svg onload=window.__xss=3>&amp; \u200Fend";

    @BeforeEach
    void hostileData() {
        ServicesStandIn.hostile = HOSTILE;
        // The admin sees the most: the Raters card and the replay form.
        browser.driver.get(base.resolve("/login?token=" + TestSessions.ADMIN_TOKEN).toString());
        browser.await(d -> d.getCurrentUrl().endsWith("#dashboard") ? true : null);
    }

    @AfterEach
    void reset() {
        ServicesStandIn.hostile = null;
        ServicesStandIn.hostileErrors = false;
        browser.driver.manage().deleteCookieNamed("rlhf_admin");
    }

    private void open(String page) {
        open(page, "all services up");
    }

    /**
     * The text of every element matching {@code css} as a person reads it: textContent (right-to-left
     * marks and spaces as they are) without the isolates the page fences data in.
     */
    @SuppressWarnings("unchecked")
    private List<String> texts(String css) {
        List<String> raw = (List<String>) browser.driver.executeScript(
                "return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent)", css);
        return raw.stream().map(t -> t.replace(FSI, "").replace(PDI, "")).toList();
    }

    private static final String FSI = "\u2068";
    private static final String PDI = "\u2069";

    private void awaitText(String css, String expected) {
        browser.await(d -> texts(css).contains(expected) ? true : null);
    }

    private void awaitTextContaining(String css, String part) {
        browser.await(d -> texts(css).stream().anyMatch(t -> t.contains(part)) ? true : null);
    }

    /**
     * Nothing ran, no element or handler came from the data, and every right-to-left override it
     * brought is fenced in an isolate, so it cannot reverse the page's own words after it.
     */
    private void assertNothingRan() {
        String page = (String) browser.driver.executeScript("return document.body.textContent");
        String unfenced = page.replace(FSI + HOSTILE + PDI, "").replace(FSI + HOSTILE + "-2" + PDI, "")
                .replace(FSI + HOSTILE.toUpperCase(java.util.Locale.ROOT) + PDI, "");
        assertTrue(page.contains(HOSTILE) && !unfenced.contains("\u202E"), "an override outside an isolate: "
                + unfenced.substring(Math.max(0, unfenced.indexOf('\u202E') - 80), Math.max(0, Math.min(unfenced.length(), unfenced.indexOf('\u202E') + 80))));
        assertNull(browser.driver.executeScript("return window.__xss"), "hostile text ran as script");
        assertEquals(0L, browser.driver.executeScript("return document.querySelectorAll("
                + "'img[src=x], svg[onload], [onerror], [onload], script:not([src])').length"), "hostile text became elements");
    }

    @Test
    void theDashboardShowsHostileTextLiterally() {
        open("dashboard");
        awaitText("#timeline .timeline-item[data-version='9'] .chip-line", HOSTILE);
        awaitText("#timeline .timeline-item[data-version='9'] .chip", HOSTILE.toUpperCase(java.util.Locale.ROOT));
        assertTrue(texts("#timeline .timeline-item[data-version='9'] .muted").stream().anyMatch(t -> t.startsWith("from " + HOSTILE)),
                "the parent: " + texts("#timeline .timeline-item[data-version='9'] .muted"));
        awaitText("#winrate-table tbody td", HOSTILE);
        awaitText("#leaderboard-table tbody td", HOSTILE);
        awaitText("#raters-table tbody td", HOSTILE);
        assertEquals(2, texts("#raters-table tbody td").stream().filter(HOSTILE::equals).count(), "the rater's id and name");
        assertNothingRan();
        browser.screenshot("dashboard-hostile");

        // A service's error reason, shown in the dashboard's state box.
        ServicesStandIn.hostileErrors = true;
        open("dashboard");
        awaitTextContaining("#dash-state span", HOSTILE);
        assertNothingRan();
    }

    @Test
    void theReplayPageShowsHostileTextLiterally() {
        open("replay");
        browser.await(d -> d.findElement(By.id("replay-form")).isDisplayed() ? true : null);
        awaitText("#replays .replay-head b", HOSTILE);
        awaitText("#replays .replay-head .chip", HOSTILE.toUpperCase(java.util.Locale.ROOT));
        assertTrue(texts("#replays .replay-head .muted").stream().anyMatch(t -> t.endsWith("starts from " + HOSTILE)),
                texts("#replays .replay-head .muted").toString());
        assertTrue(texts("#replays .replay .muted.small").stream().anyMatch(t -> t.endsWith("1 version · " + HOSTILE)),
                "the replay's error: " + texts("#replays .replay .muted.small"));
        List<String> verdicts = texts("#replays .replay-comparisons li");
        assertTrue(verdicts.contains(HOSTILE + ": differ from " + HOSTILE + " (" + HOSTILE + ")"), verdicts.toString());
        assertTrue(verdicts.contains(HOSTILE + "-2: not comparable with " + HOSTILE + " (" + HOSTILE + ")"), verdicts.toString());
        awaitText("#lines h3 span", HOSTILE);
        assertNothingRan();
        browser.screenshot("replay-hostile");

        // The trainer's reason for refusing a replay, shown under the form.
        ServicesStandIn.hostileErrors = true;
        browser.find("#replay-start").click();
        awaitTextContaining("#replay-state span", HOSTILE);
        assertNothingRan();
    }
}
