package dev.rlhfloop.llm.tokenizer;

import java.util.Arrays;

/**
 * Open-addressing map from a token's bytes to its id, looked up with a slice of a reusable buffer
 * so encoding allocates nothing per piece.
 */
final class TokenTable {

    private final byte[][] keys;
    private final int[] values;
    private final int mask;

    /** {@code tokens[id]} are the bytes of token {@code id}; null entries are left out. */
    TokenTable(byte[][] tokens, boolean[] include) {
        int count = 0;
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] != null && include[id]) {
                count++;
            }
        }
        int capacity = Integer.highestOneBit(Math.max(16, count * 2 - 1)) << 1;
        keys = new byte[capacity][];
        values = new int[capacity];
        mask = capacity - 1;
        for (int id = 0; id < tokens.length; id++) {
            byte[] token = tokens[id];
            if (token != null && include[id]) {
                int slot = hash(token, 0, token.length) & mask;
                while (keys[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = token;
                values[slot] = id;
            }
        }
    }

    static int hash(byte[] bytes, int from, int to) {
        int h = 0x811C9DC5;
        for (int i = from; i < to; i++) {
            h = (h ^ bytes[i]) * 0x01000193;
        }
        return h ^ (h >>> 15);
    }

    /** The id of the token spelled by {@code bytes[0, length)}, or -1. */
    int get(byte[] bytes, int length, int hash) {
        return get(bytes, 0, length, hash);
    }

    /** The id of the token spelled by {@code bytes[from, from + length)}, or -1. */
    int get(byte[] bytes, int from, int length, int hash) {
        int slot = hash & mask;
        while (true) {
            byte[] key = keys[slot];
            if (key == null) {
                return -1;
            }
            if (key.length == length && Arrays.equals(key, 0, length, bytes, from, from + length)) {
                return values[slot];
            }
            slot = (slot + 1) & mask;
        }
    }
}
