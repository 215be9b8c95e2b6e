package dev.rlhfloop.llm.tokenizer;

import java.util.Set;

/** Text to token ids and back: what the model, the data loaders and the services need of a tokenizer. */
public interface Tokenizer {

    /** Encodes text, treating special-token text such as {@code <|endoftext|>} as ordinary text. */
    int[] encode(String text);

    /** Encodes text, mapping the special tokens named in {@code allowedSpecial} to their ids. */
    int[] encode(String text, Set<String> allowedSpecial);

    /** Decodes any id sequence; bytes that do not form whole UTF-8 characters become U+FFFD. */
    String decode(int[] ids);

    /**
     * The bytes of one token. Tokens may end inside a multi-byte character, so only bytes (not
     * text) describe a single token exactly. This default is exact only for tokens made of whole
     * characters; byte-level tokenizers override it.
     */
    default byte[] tokenBytes(int id) {
        return decode(new int[] {id}).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A decoder for ids arriving one at a time (generation) that emits whole characters only. */
    default StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this);
    }

    int vocabSize();

    /** The id of {@code <|endoftext|>}, which separates documents and ends generations. */
    int endOfTextId();
}
