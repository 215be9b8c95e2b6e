package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.ClassificationData;
import dev.rlhfloop.llm.data.LabeledText;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassificationMessagesTest {

    @Test
    void theSameSeedGivesTheSameMessagesAndAnotherSeedOthers() {
        assertEquals(new BuiltinData(7).classificationMessages(300), new BuiltinData(7).classificationMessages(300));
        assertNotEquals(new BuiltinData(7).classificationMessages(300), new BuiltinData(8).classificationMessages(300));
    }

    @Test
    void spamIsTheMinorityAsInTheSmsCollection() {
        Map<String, Integer> counts = ClassificationData.counts(new BuiltinData(42).classificationMessages());
        assertEquals(Set.of("ham", "spam"), counts.keySet());
        double spam = counts.get("spam") / (double) BuiltinData.DEFAULT_CLASSIFICATION_MESSAGES;
        assertTrue(spam > 0.1 && spam < 0.2, "spam share " + spam);
    }

    /** No word alone separates the classes: the best "spam if the word occurs" rule stays far below what a classifier must reach. */
    @Test
    void noSingleWordSeparatesTheClasses() {
        List<LabeledText> balanced = ClassificationData.balance(new BuiltinData(42).classificationMessages(), 1);
        Map<String, int[]> presence = new HashMap<>();
        int spam = 0;
        for (LabeledText message : balanced) {
            boolean isSpam = message.label().equals("spam");
            spam += isSpam ? 1 : 0;
            Set<String> words = new HashSet<>();
            for (String word : message.text().toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
                words.add(word.matches("[0-9]+") ? "<number>" : word);
            }
            for (String word : words) {
                presence.computeIfAbsent(word, k -> new int[2])[isSpam ? 1 : 0]++;
            }
        }
        int ham = balanced.size() - spam;
        double best = 0;
        String bestWord = "";
        for (Map.Entry<String, int[]> entry : presence.entrySet()) {
            int[] n = entry.getValue();
            double accuracy = (n[1] + (ham - n[0])) / (double) balanced.size();
            accuracy = Math.max(accuracy, 1 - accuracy);
            if (accuracy > best) {
                best = accuracy;
                bestWord = entry.getKey();
            }
        }
        assertTrue(best < 0.85, "the word '" + bestWord + "' alone classifies " + best + " of the messages");
    }
}
