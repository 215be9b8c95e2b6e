package dev.rlhfloop.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.llm.data.AnswerChecker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AnswerTextTest {

    private static String streamed(List<String> pieces, StringBuilder released) {
        AnswerText answer = new AnswerText();
        for (String piece : pieces) {
            String out = answer.append(piece);
            released.append(out);
            assertTrue(answer.text().startsWith(released.toString()) || answer.ended(),
                    "released text must stay a prefix: " + released);
            if (answer.ended()) break;
        }
        released.append(answer.finish());
        return answer.text();
    }

    @Test
    void holdsBackWhitespaceAndMarkerStartsAndCutsAtTheMarker() {
        AnswerText answer = new AnswerText();
        assertEquals("", answer.append("\n "));
        assertEquals("A cow", answer.append("A cow"));
        assertEquals("", answer.append(" "));
        assertEquals("", answer.append("\n#"));
        assertEquals("", answer.append("#"));
        assertFalse(answer.ended());
        assertEquals("", answer.append("#"));
        assertTrue(answer.ended());
        assertEquals("", answer.finish());
        assertEquals("A cow", answer.text());
    }

    @Test
    void releasesAHashThatIsNotAMarker() {
        AnswerText answer = new AnswerText();
        assertEquals("a", answer.append("a\n#"));
        assertEquals("\n# b", answer.append(" b"));
        assertEquals("", answer.append("<|end"));
        assertEquals("", answer.append("oftext|> more"));
        assertTrue(answer.ended());
        assertEquals("a\n# b", answer.text());
    }

    @Test
    void piecesAlwaysJoinToTheFinalTextLikeResponseOf() {
        Random random = new Random(7);
        String[] alphabet = {"a", "b", " ", "\n", "#", "##", "<|", "endoftext", "|>", "é", "\n\n", "x y"};
        for (int trial = 0; trial < 2_000; trial++) {
            List<String> pieces = new ArrayList<>();
            int n = 1 + random.nextInt(12);
            for (int i = 0; i < n; i++) pieces.add(alphabet[random.nextInt(alphabet.length)]);
            StringBuilder released = new StringBuilder();
            String text = streamed(pieces, released);
            assertEquals(text, released.toString(), "pieces " + pieces);
            String all = String.join("", pieces);
            assertEquals(AnswerChecker.responseOf(all), text, "pieces " + pieces);
        }
    }

    @Test
    void aLateListenerGetsTheTextSoFarThenTheRestInOrder() {
        AnswerStream stream = new AnswerStream(Slot.B, "g1", "v1");
        List<String> early = new ArrayList<>();
        List<String> late = new ArrayList<>();
        stream.subscribe(recorder(early));
        stream.append("The ");
        stream.append("cow");
        stream.subscribe(recorder(late));
        stream.append(" moos.");
        stream.finish("The cow moos.");
        assertEquals(List.of("token B The ", "token B cow", "token B  moos.", "done B The cow moos."), early);
        assertEquals(List.of("token B The cow", "token B  moos.", "done B The cow moos."), late);
        List<String> afterwards = new ArrayList<>();
        stream.subscribe(recorder(afterwards));
        assertEquals(List.of("done B The cow moos."), afterwards);
        assertEquals(new AnswerStream.Snapshot(Slot.B, "g1", "The cow moos.", true, null), stream.snapshot());
    }

    private static AnswerStream.Listener recorder(List<String> events) {
        return new AnswerStream.Listener() {
            @Override
            public void token(Slot slot, String piece) {
                events.add("token " + slot + " " + piece);
            }

            @Override
            public void done(Slot slot, String text) {
                events.add("done " + slot + " " + text);
            }

            @Override
            public void error(Slot slot, String reason) {
                events.add("error " + slot + " " + reason);
            }
        };
    }
}
