package dev.rlhfloop.llm.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GptConfigTest {

    /** Hugging Face's counts for gpt2 and gpt2-medium (tied head): the presets are OpenAI's shapes, so their checkpoints load. */
    @Test
    void gpt2PresetsHaveOpenAisParameterCounts() {
        assertEquals(124_439_808L, GptConfig.preset("gpt2-124m").parameterCount());
        GptConfig medium = GptConfig.preset("gpt2-355m");
        assertEquals(354_823_168L, medium.parameterCount());
        assertEquals(24, medium.layers());
        assertEquals(1024, medium.embedDim());
        assertEquals(16, medium.heads());
        assertEquals(medium, GptConfig.preset("gpt2-medium"));
    }

    @Test
    void unknownPresetNamesTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GptConfig.preset("gpt2-xl"));
        assertEquals("unknown model preset 'gpt2-xl' (known: nano, small, gpt2-124m, gpt2-355m)", e.getMessage());
    }
}
