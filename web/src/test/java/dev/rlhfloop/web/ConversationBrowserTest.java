package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * Three-turn conversations in headless Chromium, through the gateway, against {@link ServicesStandIn}
 * speaking the public API: follow-ups on the Rate page (the thread shown, the context cut said, the
 * vote going to the newest turn), and a chat with a picked version on the Chat page, streamed, then
 * sent to rating as a multi-turn comparison. Saves rate-thread.png and chat.png.
 */
@QuarkusTest
@WithTestResource(ServicesStandIn.class)
class ConversationBrowserTest extends BrowserPageTest {

    private void open(String page) {
        open(page, "all services up");
    }

    private void awaitTurnReady(int turn) {
        browser.await(d -> String.valueOf(turn).equals(d.findElement(By.id("comparison")).getAttribute("data-turn"))
                && "true".equals(d.findElement(By.id("comparison")).getAttribute("data-ready")));
    }

    private List<String> texts(String css) {
        return browser.driver.findElements(By.cssSelector(css)).stream().map(WebElement::getText).toList();
    }

    @Test
    void threeTurnsOnTheRatePageShowTheThreadAndTheVoteGoesToTheLastTurn() {
        open("rate");
        browser.find("#prompt-input").sendKeys("Name a sea animal.", Keys.ENTER);
        awaitTurnReady(1);
        assertFalse(browser.find("#thread").isDisplayed(), "no thread on a first turn");
        String firstA = browser.find("#answer-A .answer-text").getText();

        browser.find("#followup-input").sendKeys("Which is the biggest?", Keys.ENTER);
        awaitTurnReady(2);
        assertEquals("TURN 2", browser.find("#prompt-label").getText().toUpperCase());
        assertEquals("Which is the biggest?", browser.find("#prompt-text").getText());
        assertEquals("Turn 2 from A: Which is the biggest?", browser.find("#answer-A .answer-text").getText());
        assertEquals(1, texts("#thread .thread-turn").size());
        assertEquals(List.of(firstA, "A dolphin <b>swims</b> in the ocean & breathes air."), texts("#thread .thread-answer p"));
        assertFalse(browser.find("#context-note").isDisplayed(), "two turns fit");

        browser.find("#followup-input").sendKeys("And the smallest?");
        browser.find("#followup-send").click();
        awaitTurnReady(3);
        assertEquals(List.of("Name a sea animal.", "Which is the biggest?"), texts("#thread .thread-prompt p"));
        assertEquals("Turn 3 from B, after 2 earlier turns.", browser.find("#answer-B .answer-text").getText());
        assertTrue(browser.find("#context-note").getText().contains("B without its oldest turn"), browser.find("#context-note").getText());
        browser.screenshot("rate-thread");

        // regenerating a follow-up asks the same turn again after the same earlier ones
        String third = browser.find("#comparison").getAttribute("data-id");
        browser.find("#regenerate").click();
        browser.await(d -> !third.equals(d.findElement(By.id("comparison")).getAttribute("data-id")) ? true : null);
        awaitTurnReady(3);
        assertEquals("And the smallest?", browser.find("#prompt-text").getText());
        assertEquals(2, texts("#thread .thread-turn").size());

        int votesBefore = ServicesStandIn.votes.size();
        browser.find("body").sendKeys("2");
        browser.awaitText("#vote-result", "Vote recorded");
        assertEquals(votesBefore + 1, ServicesStandIn.votes.size());
        assertEquals(browser.find("#comparison").getAttribute("data-id"), ServicesStandIn.votes.get(votesBefore).get("comparisonId"),
                "the vote judges the newest turn");
    }

    @Test
    void aThreeMessageChatWithAPickedVersionStreamsAndGoesToRating() {
        open("chat");
        browser.await(d -> d.findElements(By.cssSelector("#chat-version option")).size() == 4);
        assertEquals("latest (v3)", new Select(browser.find("#chat-version")).getFirstSelectedOption().getText());
        new Select(browser.find("#chat-version")).selectByValue("2");
        int chatsBefore = ServicesStandIn.chats.size();
        List<String> messages = List.of("Hello there.", "What can you do?", "Tell me about whales.");
        for (int i = 0; i < messages.size(); i++) {
            browser.find("#chat-input").sendKeys(messages.get(i), Keys.ENTER);
            int turns = i + 1;
            browser.await(d -> String.valueOf(turns).equals(d.findElement(By.id("page-chat")).getAttribute("data-turns")) ? true : null);
            assertEquals("Reply " + turns + " from v2 to: " + messages.get(i), texts("#chat-thread .chat-model .chat-text").get(i));
            assertEquals("v2", texts("#chat-thread .chat-model .chat-who").get(i));
        }
        assertEquals(messages, texts("#chat-thread .chat-user .chat-text"));
        List<Map<String, Object>> sent = ServicesStandIn.chats.subList(chatsBefore, chatsBefore + 3);
        for (int i = 0; i < 3; i++) {
            assertEquals("2", sent.get(i).get("version"));
            assertEquals(i, ((List<?>) sent.get(i).get("history")).size(), "message " + (i + 1) + " carries the turns before it");
        }
        assertEquals(Map.of("prompt", "Hello there.", "answer", "Reply 1 from v2 to: Hello there."),
                ((List<?>) sent.get(2).get("history")).get(0));
        assertTrue(browser.find("#chat-note").getText().contains("without the oldest turn"), browser.find("#chat-note").getText());
        browser.screenshot("chat");

        browser.find("#chat-rate").click();
        browser.await(d -> d.getCurrentUrl().endsWith("#/rate") ? true : null);
        awaitTurnReady(3);
        assertEquals("Tell me about whales.", browser.find("#prompt-text").getText());
        assertEquals(messages.subList(0, 2), texts("#thread .thread-prompt p"));
        assertEquals(List.of("Reply 1 from v2 to: Hello there.", "Reply 1 from v2 to: Hello there.",
                        "Reply 2 from v2 to: What can you do?", "Reply 2 from v2 to: What can you do?"),
                texts("#thread .thread-answer p"), "both sides share the chat's history");

        // regenerating keeps the conversation: a new comparison of the same turn
        String fromChat = browser.find("#comparison").getAttribute("data-id");
        browser.find("body").sendKeys("r");
        browser.await(d -> !fromChat.equals(d.findElement(By.id("comparison")).getAttribute("data-id")) ? true : null);
        awaitTurnReady(3);
        assertEquals(messages.subList(0, 2), texts("#thread .thread-prompt p"));
    }
}
