package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.model.LoraSettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A resumed SFT run reads its settings back from training.json, LoRA included. */
class FinetuningSettingsTest {

    @Test
    void settingsRoundTripThroughTheCheckpointJson() throws Exception {
        for (Finetuning.Settings settings : List.of(Finetuning.Settings.defaults(),
                Finetuning.Settings.defaults().withLora(LoraSettings.of(4).withAlpha(8).withLayers(List.of(1)), true))) {
            String json = TrainingCheckpoint.JSON.writeValueAsString(settings);
            assertEquals(settings, TrainingCheckpoint.JSON.readValue(json, Finetuning.Settings.class), json);
        }
    }
}
