package dev.rlhfloop.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Turn;
import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.data.Conversation;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A follow-up's pair trains on the conversation each side was asked with, in the inference service's format. */
class ConversationPairTest {
    private static final BpeTokenizer TOKENIZER = BpeTrainer.train(
            AlpacaFormat.template() + " Name a farm animal. A cow. A dog. What does it eat? It eats grass. It eats meat. Which one barks?", 300);
    private static final PreferencePair.VoteRef VOTE = new PreferencePair.VoteRef("v1", "ann", 0, 0, Instant.parse("2026-12-06T12:00:00Z"));

    private static PreferencePair followUp(List<Turn> chosenSide, List<Turn> rejectedSide) {
        return PreferencePair.of("cmp-1", "What does it eat?", new Answer("It eats grass.", List.of(), "2"),
                new Answer("It eats meat.", List.of(), "2"), VOTE, new PreferencePair.History(chosenSide, rejectedSide));
    }

    @Test
    void eachAnswerFollowsItsOwnSidesConversationAsInferenceAskedIt() {
        List<Turn> cow = List.of(new Turn("Name a farm animal.", "A cow."));
        List<Turn> dog = List.of(new Turn("Name a farm animal.", "A dog."));
        TokenizedPreference pair = TrainerUpdate.encode(followUp(cow, dog), TOKENIZER, 256).orElseThrow();
        // the very text the inference service gave each side (ConversationPrompt delegates to Conversation.prompt)
        String chosenText = AlpacaFormat.PREAMBLE + "\n\n### Instruction:\nName a farm animal." + AlpacaFormat.RESPONSE_HEADER + "A cow."
                + "\n\n### Instruction:\nWhat does it eat?" + AlpacaFormat.RESPONSE_HEADER;
        assertEquals(chosenText, Conversation.prompt(List.of(new Conversation.Exchange("Name a farm animal.", "A cow.")), "What does it eat?"));
        assertArrayEquals(TOKENIZER.encode(chosenText), pair.prompt());
        assertArrayEquals(TOKENIZER.encode(chosenText.replace("A cow.", "A dog.")), pair.rejectedPrompt());
        assertArrayEquals(TOKENIZER.encode("It eats grass."), pair.chosen());

        TokenizedPreference single = TrainerUpdate.encode(PreferencePair.of("cmp-0", "What does it eat?",
                new Answer("It eats grass.", List.of(), "2"), new Answer("It eats meat.", List.of(), "2"), VOTE), TOKENIZER, 256).orElseThrow();
        assertArrayEquals(TOKENIZER.encode(AlpacaFormat.prompt("What does it eat?", "")), single.prompt(), "a first turn as before");
        assertArrayEquals(single.prompt(), single.rejectedPrompt());
    }

    @Test
    void theOldestTurnsAreLeftOutFirstWhenTheConversationDoesNotFit() {
        List<Turn> history = new ArrayList<>();
        for (int i = 0; i < 12; i++) history.add(new Turn("Name a farm animal.", i % 2 == 0 ? "A cow." : "A dog."));
        int context = 128;
        TokenizedPreference pair = TrainerUpdate.encode(followUp(history, history), TOKENIZER, context).orElseThrow();
        int room = context - Math.max(TOKENIZER.encode("It eats grass.").length, TOKENIZER.encode("It eats meat.").length);
        Conversation.Fitted expected = Conversation.fit(TOKENIZER,
                history.stream().map(t -> new Conversation.Exchange(t.prompt(), t.answer())).toList(), "What does it eat?", room);
        assertTrue(expected.dropped() > 0, "the test's conversation must be too long for the context");
        assertArrayEquals(expected.tokenIds(), pair.prompt(), "whole turns left out, oldest first, as inference does");
        assertTrue(pair.prompt().length + pair.chosen().length <= context);
    }
}
