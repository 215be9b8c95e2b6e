package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard's Line control card in headless Chromium, through the gateway: hidden from a rater,
 * shown to the admin, and what the admin saves is the whole control the trainer's PUT takes.
 */
@QuarkusTest
@WithTestResource(ServicesStandIn.class)
class LineControlBrowserTest extends BrowserPageTest {
    @Test
    void onlyTheAdminSeesTheCardAndItSavesPinPauseAndVersionsKept() {
        browser.driver.manage().deleteCookieNamed("rlhf_admin");
        open("dashboard", "all services up");
        assertFalse(browser.find("#line-control-card").isDisplayed(), "line control is the admin's");

        browser.driver.get(base.resolve("/login?token=" + TestSessions.ADMIN_TOKEN).toString());
        browser.await(d -> d.getCurrentUrl().endsWith("#dashboard") ? true : null);
        browser.await(d -> d.findElement(By.id("line-control-card")).isDisplayed() ? true : null);
        browser.awaitText("#line-control-now", "Line live: serving the newest version · training running · keeping every version");
        new Select(browser.find("#line-pin")).selectByValue("2");
        browser.find("#line-paused").click();
        browser.find("#line-kept").sendKeys("5");
        browser.find("#line-control-save").click();
        browser.awaitText("#line-control-now", "Line live: serving v2 (pinned) · training paused · keeping the newest 5 versions");
        assertEquals(Map.of("pinnedVersion", "2", "paused", true, "versionsKept", 5), Map.copyOf(ServicesStandIn.lineControl));
        browser.driver.manage().deleteCookieNamed("rlhf_admin");
    }
}
