package dev.rlhfloop.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class EngineTest {
    @Test
    void theVersionIsTheBuildsAndTheWidthTheKernelsSpecies() {
        assertTrue(Engine.version().matches("\\d+\\.\\d+\\.\\d+.*"), "a filtered Maven version, was " + Engine.version());
        assertEquals(FloatVector.SPECIES_PREFERRED.length(), Engine.floatLanes());
        assertTrue(Engine.floatLanes() >= 1);
    }
}
