package dev.rlhfloop.web;

import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.openqa.selenium.By;

/** Page tests of one class share one headless Chromium, opened on the pages this gateway serves. */
abstract class BrowserPageTest {

    @TestHTTPResource("/")
    URI base;

    static Browser browser;

    @BeforeAll
    static void openBrowser() {
        browser = new Browser();
    }

    @AfterAll
    static void closeBrowser() {
        browser.close();
    }

    /** Loads {@code page} afresh and waits until the status badge reads {@code status} and the page is shown. */
    void open(String page, String status) {
        browser.driver.get(base.resolve("/#/" + page).toString());
        browser.driver.navigate().refresh();   // a hash change alone would not reload the app
        browser.awaitText("#service-status", status);
        // The app shows a page once the rater's session has started, which may be after the status poll.
        String section = "page-" + page.split("\\?")[0];
        browser.await(d -> d.findElement(By.id(section)).isDisplayed());
    }
}
