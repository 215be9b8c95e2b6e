package dev.rlhfloop.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Turn;
import dev.rlhfloop.llm.data.AlpacaFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The conversation in the SFT's Alpaca format, and its cut from the oldest turns at the context. */
class ConversationPromptTest {

    @Test
    void aFirstTurnIsTheSftTemplateAndEachEarlierTurnItsOwnInstructionAndResponse() {
        assertEquals(AlpacaFormat.prompt("Name a farm animal.", ""), ConversationPrompt.text(List.of(), "Name a farm animal."));
        assertEquals(AlpacaFormat.PREAMBLE
                        + "\n\n### Instruction:\nName a farm animal.\n\n### Response:\nA cow."
                        + "\n\n### Instruction:\nWhat does it eat?\n\n### Response:\n",
                ConversationPrompt.text(List.of(new Turn("Name a farm animal.", "A cow.")), "What does it eat?"));
    }

    @Test
    void theOldestTurnsAreLeftOutUntilTheRestFitsWithRoomForTheAnswer() {
        ServedModel model = TinyModels.served("v1", 1);   // a 256-token context
        List<Turn> history = new ArrayList<>();
        for (int i = 0; i < 12; i++) history.add(new Turn("Name an animal that lives on a farm, number " + i + ".", "The cow lives on the farm."));
        ConversationPrompt.Fitted fitted = ConversationPrompt.fit(model, history, "Which one barks?", 48);
        assertTrue(fitted.dropped() > 0 && fitted.dropped() < history.size(), "dropped " + fitted.dropped());
        assertEquals(history.subList(fitted.dropped(), history.size()), fitted.context(), "the most recent turns are kept");
        assertTrue(fitted.tokenIds().length <= 256 - 48);
        int withOneMore = model.tokenizer().encode(ConversationPrompt.text(history.subList(fitted.dropped() - 1, history.size()),
                "Which one barks?")).length;
        assertTrue(withOneMore > 256 - 48, "no more turns were left out than needed");

        assertEquals(0, ConversationPrompt.fit(model, history.subList(0, 1), "Which one barks?", 48).dropped());
        ComparisonService.BadRequestException tooLong = assertThrows(ComparisonService.BadRequestException.class,
                () -> ConversationPrompt.fit(model, history, "The cow lives on the farm. ".repeat(60), 48));
        assertTrue(tooLong.getMessage().startsWith("prompt is too long"), tooLong.getMessage());
    }
}
