package dev.rlhfloop.bench;

import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.rlhf.TokenizedFeedback;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The workload and bookkeeping of {@link UpdateCost}; nothing here is timed. */
class UpdateCostTest {

    private static BpeTokenizer gpt2;

    @BeforeAll
    static void tokenizer() throws IOException {
        gpt2 = TokenizerFiles.gpt2();
    }

    @Test
    void aBatchIsSixteenPairsOfFullLengthAnswersToTemplatedPoolPrompts() {
        UpdateWorkload workload = UpdateWorkload.of(gpt2, 16, 16, 64, 1024, 50257);
        assertEquals(16, workload.pairs().size());
        assertEquals(16, workload.thumbs().size());
        int[] header = gpt2.encode(AlpacaFormat.RESPONSE_HEADER);
        for (TokenizedPreference pair : workload.pairs()) {
            assertEquals(64, pair.chosen().length);
            assertEquals(64, pair.rejected().length);
            assertFalse(Arrays.equals(pair.chosen(), pair.rejected()));
            assertArrayEquals(header, Arrays.copyOfRange(pair.prompt(), pair.prompt().length - header.length, pair.prompt().length));
            assertTrue(gpt2.decode(pair.prompt()).startsWith(AlpacaFormat.PREAMBLE));
        }
        List<Boolean> ups = workload.thumbs().stream().map(TokenizedFeedback::desirable).toList();
        assertEquals(8, ups.stream().filter(up -> up).count(), "thumbs alternate up and down");
        workload.thumbs().forEach(t -> assertEquals(64, t.completion().length));
        // every answer is its own run of the built-in text
        assertEquals(48, workload.pairs().stream().flatMap(p -> java.util.stream.Stream.of(p.chosen(), p.rejected()))
                .map(Arrays::toString).distinct().count() + workload.thumbs().stream().map(t -> Arrays.toString(t.completion())).distinct().count());
    }

    @Test
    void aShortContextCutsAnswersAndPromptsAsTheTrainerDoes() {
        UpdateWorkload workload = UpdateWorkload.of(gpt2, 4, 2, 64, 64, 50257);
        for (TokenizedPreference pair : workload.pairs()) {
            assertEquals(32, pair.chosen().length);
            assertEquals(32, pair.prompt().length);
        }
        assertTrue(workload.promptLengths().startsWith("32–32"), workload.promptLengths());
    }

    @Test
    void aModelWithASmallerVocabularyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> UpdateWorkload.of(gpt2, 16, 16, 64, 256, 4096));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UpdateCost.Options.parse(new String[] {"--preset", "nano"}));
        assertTrue(e.getMessage().contains("GPT-2 shapes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> UpdateCost.Options.parse(new String[] {"--algorithms", "dpo,sft"}));
    }

    @Test
    void eachJobsJvmGetsTheSameWorkload() {
        UpdateCost.Options options = UpdateCost.Options.parse(new String[] {"--preset", "gpt2-355m", "--algorithms", "dpo,kto-thumbs",
                "--pairs", "8", "--xmx", "16g"});
        assertEquals(List.of("dpo", "kto-thumbs"), options.jobs());
        UpdateCost.Options child = UpdateCost.Options.parse(options.childArgs("kto-thumbs").subList(2, options.childArgs("kto-thumbs").size())
                .toArray(String[]::new));
        assertEquals(options.preset(), child.preset());
        assertEquals(8, child.pairs());
        assertEquals(options.thumbs(), child.thumbs());
        assertEquals(options.answerTokens(), child.answerTokens());
    }

    @Test
    void peakRssIsReadFromVmHwmInKilobytes() {
        String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmHWM:\t  6785432 kB\nVmRSS:\t 123 kB\n";
        assertEquals(6_785_432L * 1024, UpdateCost.peakRss(status));
        assertEquals(-1, UpdateCost.peakRss("Name:\tjava\n"));
    }

    @Test
    void aResultLineReadsBackAndATableRowShowsAFailure() {
        Map<String, String> result = new LinkedHashMap<>();
        result.put("wallSeconds", "53.6");
        result.put("notes", "16 pairs; dpoLoss 0.693");
        assertEquals(result, UpdateCost.parse(UpdateCost.format(result)));
        String failed = UpdateCost.row("gpt2-355m", "ppo", Map.of("failed", "OutOfMemoryError: Java heap space", "load", "2.0–3.1"));
        assertTrue(failed.startsWith("| gpt2-355m | ppo | failed: OutOfMemoryError: Java heap space |"), failed);
        assertEquals(UpdateCost.HEADER.lines().findFirst().orElseThrow().split("\\|").length, failed.split("\\|", -1).length - 1);
    }
}
