package dev.rlhfloop.web;

import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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
        browser.open(base, page, status);
    }
}
