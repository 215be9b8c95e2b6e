package dev.rlhfloop.bench;

import dev.rlhfloop.bench.QualityResults.Row;
import dev.rlhfloop.bench.QualityResults.RunKey;
import dev.rlhfloop.llm.data.builtin.RaterRules;
import dev.rlhfloop.llm.rlhf.PolicyAlgorithm;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QualityResultsTest {

    private static Row row(String config, long seed, int votes, double share, double sftShare) {
        return new Row("2026-12-06", "abc1234", "Some CPU, 2 cores, 16-float vectors", 12.5, config, "colour", seed, votes, votes / 2,
                votes / 16, 300, share, votes == 0 ? Double.NaN : QualityResults.gapClosed(sftShare, share),
                votes == 0 ? Double.NaN : 0.75, 0.415, votes == 0 ? 0.003 : 0.004, votes == 0 ? 0 : 1.234, 11.2,
                votes == 0 ? Double.NaN : 9.5, votes == 0 ? Double.NaN : 812);
    }

    @Test
    void gapClosedIsThePartOfTheWayToEveryAnswer() {
        assertEquals(0.5, QualityResults.gapClosed(0.2, 0.6), 1e-12);
        assertEquals(1.0, QualityResults.gapClosed(0.3, 1.0), 1e-12);
        assertEquals(-0.25, QualityResults.gapClosed(0.2, 0.0), 1e-12);   // a loop that unlearns shows it
        assertTrue(Double.isNaN(QualityResults.gapClosed(1.0, 1.0)));
    }

    @Test
    void aRowReadsBackAsItWasWrittenWithPercentsAndDashes() {
        Row sft = row("default", 1, 0, 0.31, 0.31);
        Row after = row("algorithm=rloo lr=3e-4", 2, 150, 0.655, 0.31);
        assertEquals("| 2026-12-06 | abc1234 | Some CPU, 2 cores, 16-float vectors | 12.5 | algorithm=rloo lr=3e-4 | colour | 2 | 150 | 75 | 9 | 300 "
                + "| 65.5% | 50.0% | 75.0% | 41.5% | 0.40% | 1.234 | 11.2 | 9.5 | 812 |", after.line());
        assertTrue(sft.line().contains("| 31.0% | — | — | 41.5% | 0.30% | 0.000 | 11.2 | — | — |"), sft.line());

        Row back = Row.parse(after.line()).orElseThrow();
        assertEquals(after.run(), back.run());
        assertEquals(150, back.votes());
        assertEquals(0.655, back.share(), 1e-9);
        assertEquals(0.5, back.gapClosed(), 1e-9);
        assertTrue(Double.isNaN(Row.parse(sft.line()).orElseThrow().gapClosed()));
        assertTrue(Row.parse(QualityResults.HEADER.lines().findFirst().orElseThrow()).isEmpty());
        assertTrue(Row.parse("| a | b |").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> row("lr=1|2", 1, 0, 0.3, 0.3));
    }

    @Test
    void aRunIsSkippedOnlyOnceItsLastCheckpointIsInTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("results/loop-quality.md");
        RunKey run = new RunKey("default", "colour", 1);
        assertFalse(QualityResults.done(QualityResults.read(file), run, 300));

        QualityResults.append(file, List.of(row("default", 1, 0, 0.3, 0.3), row("default", 1, 150, 0.7, 0.3)));
        assertFalse(QualityResults.done(QualityResults.read(file), run, 300), "a run measured to 150 votes is not a run to 300");
        QualityResults.append(file, List.of(row("default", 1, 300, 0.9, 0.3)));
        assertTrue(QualityResults.done(QualityResults.read(file), run, 300));
        assertFalse(QualityResults.done(QualityResults.read(file), new RunKey("default", "colour", 2), 300));
        assertFalse(QualityResults.done(QualityResults.read(file), new RunKey("quick", "colour", 1), 300));

        List<String> lines = Files.readAllLines(file);
        assertEquals(2 + 3, lines.size(), "one header, then the rows: " + lines);
        assertEquals(QualityResults.HEADER, lines.get(0) + "\n" + lines.get(1));
        assertEquals(3, QualityResults.read(file).size());
    }

    @Test
    void theSummarySaysWhetherTwoOfThreeSeedsCloseTheGap() {
        List<Row> rows = new ArrayList<>();
        double[][] shares = {{0.65, 0.90}, {0.70, 0.80}, {0.60, 0.70}};   // from 30%: gaps 50%/86%, 57%/71%, 43%/57%
        for (int seed = 1; seed <= 3; seed++) {
            rows.add(row("default", seed, 0, 0.3, 0.3));
            rows.add(row("default", seed, 150, shares[seed - 1][0], 0.3));
            rows.add(row("default", seed, 300, shares[seed - 1][1], 0.3));
        }
        List<String> summary = QualityResults.summary(rows);
        assertEquals(1, summary.size());
        assertTrue(summary.get(0).startsWith("default · colour: ≥50% of the gap by 150 votes in 2/3 seeds, ≥75% by 300 in 1/3 → not met"),
                summary.get(0));
        assertTrue(summary.get(0).contains("exact match +0.0 points, non-words 1.33×"), summary.get(0));

        rows.set(5, row("default", 2, 300, 0.85, 0.3));
        assertTrue(QualityResults.summary(rows).get(0).contains("≥75% by 300 in 2/3 → met"), QualityResults.summary(rows).get(0));
        assertTrue(QualityResults.summary(rows.subList(0, 3)).get(0).contains("not yet known (1 of 3 seeds run"));
    }

    @Test
    void aShareCountsTheAnswersThatSatisfyTheRuleOnTheirOwnPrompt() {
        RaterRules.Rule animal = RaterRules.rule("animal", 12).orElseThrow();
        List<String> prompts = List.of("Tell me about a sheep.", "Tell me about a goat.", "Tell me about a sheep.", "Tell me about sheep.");
        List<String> answers = List.of("A sheep eats grass.", "A sheep eats grass.", "It eats grass.", "Sheep are calm.");
        assertEquals(0.5, LoopQuality.share(animal, prompts, answers), 1e-12);
    }

    @Test
    void aConfigurationIsLabelledByTheOptionsThatChangeItAndTheGateHasOneRowPerAlgorithm() throws IOException {
        LoopQuality.Configuration plain = LoopQuality.configuration(ExperimentArgs.parse(new String[] {"rules=colour", "seeds=1"}), false);
        assertEquals("default", plain.label());
        assertEquals(UpdateSettings.defaults(), plain.settings());
        assertEquals(List.of(50, 100, 150, 300), plain.harness().checkpoints());
        assertEquals(300, plain.harness().answers());

        LoopQuality.Configuration tuned = LoopQuality.configuration(
                ExperimentArgs.parse(new String[] {"lr=3e-4", "algorithm=rloo", "checkpoints=20,10"}), true);
        assertEquals("algorithm=rloo lr=3e-4 checkpoints=20,10 quick", tuned.label());
        assertEquals(PolicyAlgorithm.RLOO, tuned.settings().algorithm());
        assertEquals(3e-4f, tuned.settings().rloo().learningRate());
        assertEquals(List.of(10, 20), tuned.harness().checkpoints());
        assertEquals(20, tuned.harness().lastCheckpoint());

        List<LoopQuality.Configuration> gate = LoopQuality.configurations(ExperimentArgs.parse(new String[] {"gate"}));
        assertEquals(PolicyAlgorithm.values().length, gate.size());
        assertEquals("default", gate.get(0).label());
        for (PolicyAlgorithm algorithm : PolicyAlgorithm.values()) {
            assertTrue(gate.stream().anyMatch(c -> c.settings().algorithm() == algorithm), algorithm + " has a gate row");
        }
    }
}
