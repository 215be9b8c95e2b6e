package dev.rlhfloop.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its chromedriver (no driver download: both paths are
 * explicit). Install with {@code apt-get install -y chromium chromium-driver}; override the paths
 * with {@code -Dchrome.binary=...} and {@code -Dwebdriver.chrome.driver=...}.
 */
final class Browser implements AutoCloseable {

    private static final Path CHROME = Path.of(System.getProperty("chrome.binary", "/usr/bin/chromium"));
    private static final Path DRIVER = Path.of(System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver"));

    final ChromeDriver driver;
    private final Path profile;

    Browser() {
        if (!Files.isExecutable(CHROME) || !Files.isExecutable(DRIVER)) {
            throw new IllegalStateException("Browser tests need " + CHROME + " and " + DRIVER
                    + ": apt-get install -y chromium chromium-driver");
        }
        try {
            profile = Files.createTempDirectory("rlhf-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROME.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--remote-allow-origins=*", "--window-size=1360,1000", "--hide-scrollbars",
                "--force-device-scale-factor=1", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
    }

    /** Loads {@code page} of the app at {@code base} afresh and waits until the status badge reads {@code status} and the page is shown. */
    void open(URI base, String page, String status) {
        driver.get(base.resolve("/#/" + page).toString());
        driver.navigate().refresh();   // a hash change alone would not reload the app
        awaitText("#service-status", status);
        awaitPageShown(page);
    }

    /** Waits until the app shows {@code page}: it does once the rater's session has started, which may be after the status poll. */
    void awaitPageShown(String page) {
        String section = "page-" + page.split("\\?")[0];
        await(d -> d.findElement(By.id(section)).isDisplayed());
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    /** Waits for the condition; an element the page re-rendered meanwhile (stale) is looked up again. */
    <T> T await(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, Duration.ofSeconds(30)).ignoring(StaleElementReferenceException.class).until(condition);
    }

    /** Clicks the element, looking it up again if the page re-rendered it between finding and clicking. */
    void click(String css) {
        await(d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    /** Waits until the element's text contains {@code text}; returns that text. */
    String awaitText(String css, String text) {
        return new WebDriverWait(driver, Duration.ofSeconds(30))
                .ignoring(StaleElementReferenceException.class)
                .withMessage(() -> css + " should contain '" + text + "' but shows '"
                        + driver.findElement(By.cssSelector(css)).getText() + "'")
                .until(d -> {
                    String shown = d.findElement(By.cssSelector(css)).getText();
                    return shown.contains(text) ? shown : null;
                });
    }

    /**
     * Saves a screenshot of the whole page (not just the window) into {@code target/screenshots/}, or
     * into the folder {@code -Drlhf.screenshots.dir} names (relative to the repository root):
     * {@code -Drlhf.screenshots.dir=docs/screenshots} refreshes the documentation's pictures. A test
     * run leaves the source tree as it found it.
     */
    Path screenshot(String name) {
        try {
            String chosen = System.getProperty("rlhf.screenshots.dir");
            Path dir = chosen == null || chosen.isBlank() ? Path.of("target/screenshots").toAbsolutePath()
                    : repositoryRoot().resolve(chosen);
            Files.createDirectories(dir);
            Path target = dir.resolve(name + ".png");
            Number width = (Number) driver.executeScript("return document.documentElement.clientWidth");
            Number height = (Number) driver.executeScript(
                    "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)");
            Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1);
            Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
                    Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
            Files.write(target, Base64.getDecoder().decode((String) shot.get("data")));
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("web")) && Files.exists(p.resolve("pom.xml"))) {
                return p;
            }
        }
        return dir;
    }

    @Override
    public void close() {
        driver.quit();
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp profile is harmless
        }
    }
}
