package dev.rlhfloop.llm.data;

import dev.rlhfloop.llm.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A plain-text pretraining corpus: documents joined with {@code <|endoftext|>}. A file may hold one
 * document or many separated by that marker; a directory holds one document per {@code .txt} file.
 */
public final class TextCorpus {

    public static final String END_OF_TEXT = "<|endoftext|>";

    private TextCorpus() {}

    /** Splits text at each {@code <|endoftext|>}; whitespace around a document and empty documents are dropped. */
    public static List<String> documents(String text) {
        List<String> documents = new ArrayList<>();
        int from = 0;
        while (from <= text.length()) {
            int end = text.indexOf(END_OF_TEXT, from);
            if (end < 0) {
                end = text.length();
            }
            String document = text.substring(from, end).strip();
            if (!document.isEmpty()) {
                documents.add(document);
            }
            from = end + END_OF_TEXT.length();
        }
        return documents;
    }

    /** The text of a file written by {@link #write}: documents separated by the marker on a line of its own. */
    public static String join(List<String> documents) {
        return String.join("\n" + END_OF_TEXT + "\n", documents) + "\n";
    }

    public static void write(Path file, List<String> documents) throws IOException {
        Files.writeString(file, join(documents), StandardCharsets.UTF_8);
    }

    /** Reads a corpus file, or every {@code .txt} file of a directory in name order, as documents. */
    public static List<String> read(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> listing = Files.list(path)) {
                files = listing.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException(path + ": directory holds no .txt files");
            }
            List<String> documents = new ArrayList<>();
            for (Path file : files) {
                documents.addAll(documents(readText(file)));
            }
            return documents;
        }
        List<String> documents = documents(readText(path));
        if (documents.isEmpty()) {
            throw new IllegalArgumentException(path + ": the corpus is empty");
        }
        return documents;
    }

    /** Token ids of the documents, with the tokenizer's end-of-text id between consecutive documents. */
    public static int[] encode(List<String> documents, Tokenizer tokenizer) {
        int[][] encoded = new int[documents.size()][];
        long total = Math.max(0, documents.size() - 1);
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = tokenizer.encode(documents.get(i));
            total += encoded[i].length;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("corpus of " + total + " tokens is too large for one array");
        }
        int[] ids = new int[(int) total];
        int at = 0;
        for (int i = 0; i < encoded.length; i++) {
            if (i > 0) {
                ids[at++] = tokenizer.endOfTextId();
            }
            System.arraycopy(encoded[i], 0, ids, at, encoded[i].length);
            at += encoded[i].length;
        }
        return ids;
    }

    private static String readText(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IllegalArgumentException(file + ": not valid UTF-8 text", e);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file", e);
        }
    }
}
