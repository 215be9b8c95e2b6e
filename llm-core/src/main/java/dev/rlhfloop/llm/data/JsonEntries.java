package dev.rlhfloop.llm.data;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads a file of JSON objects — a JSON list, or JSON Lines — and turns each into a record,
 * naming the file, entry and line in every error so a user can find the bad entry.
 */
final class JsonEntries {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** One object of the file and where it sits, for the record-building function to read fields from. */
    record Entry(Path file, int index, int line, JsonNode node) {

        String requiredString(String field) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                throw error("missing \"" + field + "\"");
            }
            if (!value.isTextual()) {
                throw error("\"" + field + "\" must be a string, got " + value.getNodeType().toString().toLowerCase());
            }
            return value.textValue();
        }

        String optionalString(String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? "" : requiredString(field);
        }

        IllegalArgumentException error(String problem) {
            return new IllegalArgumentException(file + ": entry " + (index + 1) + " (line " + line + "): " + problem);
        }
    }

    private JsonEntries() {}

    static <T> List<T> read(Path file, Function<Entry, T> toRecord) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file", e);
        }
        String text = new String(bytes, StandardCharsets.UTF_8).stripLeading();
        if (text.isEmpty()) {
            throw new IllegalArgumentException(file + ": the file is empty");
        }
        List<Entry> entries = text.startsWith("[") ? readList(file, bytes) : readLines(file, bytes);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(file + ": no entries");
        }
        List<T> records = new ArrayList<>(entries.size());
        for (Entry entry : entries) {
            if (!entry.node().isObject()) {
                throw entry.error("expected an object with instruction, input and output, got " + entry.node().getNodeType().toString().toLowerCase());
            }
            records.add(toRecord.apply(entry));
        }
        return records;
    }

    private static List<Entry> readList(Path file, byte[] bytes) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (JsonParser parser = MAPPER.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException(file + ": expected a JSON list of entries");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (token == null) {
                    throw new IllegalArgumentException(file + ": the JSON list is not closed");
                }
                int line = parser.currentTokenLocation().getLineNr();
                JsonNode node = MAPPER.readTree(parser);
                entries.add(new Entry(file, entries.size(), line, node));
            }
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException(file + ": line " + parser.currentTokenLocation().getLineNr()
                        + ": unexpected content after the JSON list");
            }
        } catch (JsonProcessingException e) {
            throw malformed(file, e);
        }
        return entries;
    }

    private static List<Entry> readLines(Path file, byte[] bytes) {
        List<Entry> entries = new ArrayList<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                entries.add(new Entry(file, entries.size(), i + 1, MAPPER.readTree(lines[i])));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ": line " + (i + 1) + ": not a JSON object: " + e.getOriginalMessage(), e);
            }
        }
        return entries;
    }

    private static IllegalArgumentException malformed(Path file, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " line " + at.getLineNr() + ", column " + at.getColumnNr() + ":";
        return new IllegalArgumentException(file + ":" + where + " malformed JSON: " + e.getOriginalMessage(), e);
    }
}
