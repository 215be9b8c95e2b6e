package dev.rlhfloop.llm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassificationDataTest {

    @Test
    void readsTheSmsCollectionsTsv(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("SMSSpamCollection");
        Files.writeString(file, "ham\tGo until jurong point, crazy..\nspam\tFree entry in 2 a wkly comp\t(tab inside)\n\nham\tOk lar...\n");
        List<LabeledText> examples = ClassificationData.read(file);
        assertEquals(List.of(new LabeledText("ham", "Go until jurong point, crazy.."),
                new LabeledText("spam", "Free entry in 2 a wkly comp\t(tab inside)"), new LabeledText("ham", "Ok lar...")), examples);
    }

    @Test
    void readsCsvWithQuotesCommasAndLineBreaks(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("train.csv");
        Files.writeString(file, "Text,Label\n\"Hello, world\",0\n\"She said \"\"hi\"\"\nthen left\",1\nplain,0\n");
        List<LabeledText> examples = ClassificationData.read(file);
        assertEquals(List.of(new LabeledText("0", "Hello, world"), new LabeledText("1", "She said \"hi\"\nthen left"),
                new LabeledText("0", "plain")), examples);
    }

    @Test
    void badLinesNameTheFileAndLine(@TempDir Path dir) throws IOException {
        Path tsv = dir.resolve("bad.tsv");
        Files.writeString(tsv, "ham\tfine\nno tab here\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClassificationData.read(tsv));
        assertTrue(e.getMessage().startsWith(tsv + ":2: "), e.getMessage());

        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "label,text\nham,\"ok\"\n,empty label\n");
        e = assertThrows(IllegalArgumentException.class, () -> ClassificationData.read(csv));
        assertTrue(e.getMessage().startsWith(csv + ":3: "), e.getMessage());

        Path missing = dir.resolve("missing.tsv");
        e = assertThrows(IllegalArgumentException.class, () -> ClassificationData.read(missing));
        assertEquals(missing + ": no such file", e.getMessage());

        Path header = dir.resolve("header.csv");
        Files.writeString(header, "category,message\nham,hi\n");
        e = assertThrows(IllegalArgumentException.class, () -> ClassificationData.read(header));
        assertTrue(e.getMessage().startsWith(header + ":1: "), e.getMessage());
    }

    @Test
    void balancingUndersamplesToTheRarestLabelAndTheSplitIs70To10To20() {
        List<LabeledText> all = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            all.add(new LabeledText(i % 10 == 0 ? "spam" : "ham", "text " + i));
        }
        List<LabeledText> balanced = ClassificationData.balance(all, 3);
        assertEquals(Map.of("ham", 100, "spam", 100), ClassificationData.counts(balanced));
        ClassificationData.Splits splits = ClassificationData.split(balanced, 3);
        assertEquals(140, splits.train().size());
        assertEquals(20, splits.validation().size());
        assertEquals(40, splits.test().size());
        HashSet<LabeledText> union = new HashSet<>(splits.train());
        union.addAll(splits.validation());
        union.addAll(splits.test());
        assertEquals(new HashSet<>(balanced), union);
    }

    @Test
    void writtenTsvReadsBack(@TempDir Path dir) throws IOException {
        List<LabeledText> examples = List.of(new LabeledText("a", "one"), new LabeledText("b label", "two, \"quoted\""));
        Path file = dir.resolve("out.tsv");
        ClassificationData.writeTsv(file, examples);
        assertEquals(examples, ClassificationData.read(file));
    }
}
