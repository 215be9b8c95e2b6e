package dev.rlhfloop.llm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Byte-level BPE as in GPT-2: text is split into pieces by {@link Gpt2PreTokenizer}, each piece's
 * UTF-8 bytes start as one token per byte, and adjacent pairs are merged lowest merge rank first
 * (leftmost among equals) until no pair has a merge. Immutable and safe to share between threads.
 *
 * <p>Build one with {@link TokenizerFiles} (GPT-2, tiktoken, {@code encoder.json} + {@code vocab.bpe},
 * Hugging Face {@code tokenizer.json}) or {@link BpeTrainer}.
 */
public final class BpeTokenizer implements Tokenizer {

    /** Merge number {@code rank}: tokens {@code left} and {@code right} side by side become {@code result}. */
    public record Merge(int left, int right, int result) {}

    public static final String END_OF_TEXT = "<|endoftext|>";

    /** Pieces longer than this (in bytes) merge with a heap instead of rescanning all pairs. */
    private static final int LARGE_PIECE = 128;
    private static final int NO_RANK = Integer.MAX_VALUE;

    private final byte[][] tokens;
    private final boolean[] special;
    private final int[] byteToId = new int[256];
    private final List<Merge> merges;
    private final PairTable mergeRanks;
    private final int[] mergeResults;
    private final Map<String, Integer> specialTokens;
    private final TokenTable wholePieces;
    /** Whole-piece tokens of up to 7 bytes, packed into a long: most pieces, found without touching a byte[]. */
    private final PairTable shortPieces;
    private final int endOfTextId;

    /**
     * @param tokens        the bytes of each ordinary token, indexed by id (null where an id is unused
     *                      or belongs to a special token); every single byte must be a token
     * @param merges        in rank order; each result's bytes are its left's followed by its right's
     * @param specialTokens special-token text to id, e.g. {@code <|endoftext|>} to 50256
     * @throws IllegalArgumentException naming the first inconsistency
     */
    public BpeTokenizer(byte[][] tokens, List<Merge> merges, Map<String, Integer> specialTokens) {
        int size = tokens.length;
        for (int id : specialTokens.values()) {
            size = Math.max(size, id + 1);
        }
        this.tokens = Arrays.copyOf(tokens, size);
        this.special = new boolean[size];
        for (Map.Entry<String, Integer> e : specialTokens.entrySet()) {
            int id = e.getValue();
            if (id < 0) {
                throw new IllegalArgumentException("special token " + e.getKey() + " has negative id " + id);
            }
            if (id < tokens.length && tokens[id] != null) {
                throw new IllegalArgumentException("special token " + e.getKey() + " reuses the id " + id + " of an ordinary token");
            }
            this.tokens[id] = e.getKey().getBytes(StandardCharsets.UTF_8);
            special[id] = true;
        }
        Arrays.fill(byteToId, -1);
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] != null && tokens[id].length == 1 && byteToId[tokens[id][0] & 0xFF] < 0) {
                byteToId[tokens[id][0] & 0xFF] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteToId[b] < 0) {
                throw new IllegalArgumentException("no token for the single byte 0x" + Integer.toHexString(b)
                        + ": a byte-level vocabulary needs all 256");
            }
        }
        this.merges = List.copyOf(merges);
        this.mergeRanks = new PairTable(merges.size());
        this.mergeResults = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            Merge m = merges.get(rank);
            checkMerge(rank, m);
            long key = PairTable.key(m.left(), m.right());
            if (mergeRanks.get(key) == PairTable.ABSENT) {
                mergeRanks.put(key, rank);
            }
            mergeResults[rank] = m.result();
        }
        this.specialTokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
        this.endOfTextId = specialTokens.getOrDefault(END_OF_TEXT, -1);
        boolean[] reachable = reachableTokens();
        this.wholePieces = new TokenTable(this.tokens, reachable);
        this.shortPieces = new PairTable(1 << 15);
        for (int id = 0; id < this.tokens.length; id++) {
            if (reachable[id] && this.tokens[id].length <= 7) {
                shortPieces.put(packed(this.tokens[id], this.tokens[id].length), id);
            }
        }
    }

    private void checkMerge(int rank, Merge m) {
        if (!isOrdinary(m.left()) || !isOrdinary(m.right()) || !isOrdinary(m.result())) {
            throw new IllegalArgumentException("merge " + rank + " " + m + " names a token that is not in the vocabulary");
        }
        byte[] left = tokens[m.left()];
        byte[] right = tokens[m.right()];
        byte[] result = tokens[m.result()];
        if (result.length != left.length + right.length
                || !Arrays.equals(result, 0, left.length, left, 0, left.length)
                || !Arrays.equals(result, left.length, result.length, right, 0, right.length)) {
            throw new IllegalArgumentException("merge " + rank + ": token " + m.result()
                    + " is not token " + m.left() + " followed by token " + m.right());
        }
    }

    private boolean isOrdinary(int id) {
        return id >= 0 && id < tokens.length && tokens[id] != null && !special[id];
    }

    /**
     * The tokens that BPE produces from their own bytes. Only these may be looked up whole, which
     * spares most pieces the merge loop and can never change the result.
     */
    private boolean[] reachableTokens() {
        boolean[] reachable = new boolean[tokens.length];
        Encoder encoder = new Encoder(new IntList(8));
        for (int id = 0; id < tokens.length; id++) {
            if (isOrdinary(id)) {
                byte[] bytes = tokens[id];
                if (bytes.length == 1) {
                    reachable[id] = byteToId[bytes[0] & 0xFF] == id;
                } else {
                    encoder.ensureCapacity(bytes.length);
                    System.arraycopy(bytes, 0, encoder.bytes, 0, bytes.length);
                    int before = encoder.out.size();
                    encoder.merge(bytes.length);
                    reachable[id] = encoder.out.size() == before + 1 && encoder.out.get(before) == id;
                }
            }
        }
        return reachable;
    }

    /** Up to 7 bytes and their count in one long (never -1, the table's empty marker). */
    private static long packed(byte[] bytes, int length) {
        long key = (long) length << 56;
        for (int i = 0; i < length; i++) {
            key |= (long) (bytes[i] & 0xFF) << (8 * i);
        }
        return key;
    }

    @Override
    public int[] encode(String text) {
        Encoder encoder = new Encoder(new IntList(text.length() / 3 + 8));
        encoder.encodeOrdinary(text, 0, text.length());
        return encoder.out.toArray();
    }

    @Override
    public int[] encode(String text, Set<String> allowedSpecial) {
        if (allowedSpecial.isEmpty()) {
            return encode(text);
        }
        for (String name : allowedSpecial) {
            if (!specialTokens.containsKey(name)) {
                throw new IllegalArgumentException("not a special token of this tokenizer: " + name
                        + " (known: " + specialTokens.keySet() + ")");
            }
        }
        Encoder encoder = new Encoder(new IntList(text.length() / 3 + 8));
        int from = 0;
        while (from < text.length()) {
            int at = text.length();
            String found = null;
            for (String name : allowedSpecial) {
                int i = text.indexOf(name, from);
                if (i >= 0 && (i < at || (i == at && name.length() > found.length()))) {
                    at = i;
                    found = name;
                }
            }
            encoder.encodeOrdinary(text, from, at);
            if (found == null) {
                break;
            }
            encoder.out.add(specialTokens.get(found));
            from = at + found.length();
        }
        return encoder.out.toArray();
    }

    @Override
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** The bytes of the tokens, one after another. */
    public byte[] decodeBytes(int[] ids) {
        int length = 0;
        for (int i = 0; i < ids.length; i++) {
            length += tokenBytes(ids[i], i).length;
        }
        byte[] bytes = new byte[length];
        int at = 0;
        for (int id : ids) {
            byte[] token = tokens[id];
            System.arraycopy(token, 0, bytes, at, token.length);
            at += token.length;
        }
        return bytes;
    }

    /** The bytes of one token (special tokens: their UTF-8 text). Do not modify the array. */
    @Override
    public byte[] tokenBytes(int id) {
        return tokenBytes(id, -1);
    }

    private byte[] tokenBytes(int id, int position) {
        if (id < 0 || id >= tokens.length || tokens[id] == null) {
            throw new IllegalArgumentException("unknown token id " + id
                    + (position >= 0 ? " at position " + position : "") + " (vocabulary size " + vocabSize() + ")");
        }
        return tokens[id];
    }

    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    /** Whether {@code id} names a token (ordinary or special). */
    public boolean hasToken(int id) {
        return id >= 0 && id < tokens.length && tokens[id] != null;
    }

    public List<Merge> merges() {
        return merges;
    }

    /** Special-token text to id. */
    public Map<String, Integer> specialTokens() {
        return specialTokens;
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public int endOfTextId() {
        return endOfTextId;
    }

    /** Per-call scratch state: a UTF-8 buffer and the symbol and pair-rank arrays of the merge loop. */
    private final class Encoder implements Gpt2PreTokenizer.PieceConsumer {
        final IntList out;
        byte[] bytes = new byte[64];
        int[] symbols = new int[64];
        int[] ranks = new int[64];
        private String text;

        Encoder(IntList out) {
            this.out = out;
        }

        void encodeOrdinary(String text, int from, int to) {
            this.text = text;
            Gpt2PreTokenizer.split(text, from, to, this);
        }

        void ensureCapacity(int length) {
            if (bytes.length < length) {
                int capacity = Math.max(length, bytes.length * 2);
                bytes = new byte[capacity];
                symbols = new int[capacity];
                ranks = new int[capacity];
            }
        }

        @Override
        public void accept(int start, int end) {
            int chars = end - start;
            if (chars <= 7) {
                // Fast path for short ASCII pieces: pack the chars straight into a table key.
                long key = (long) chars << 56;
                int i = 0;
                for (; i < chars; i++) {
                    char c = text.charAt(start + i);
                    if (c >= 0x80) {
                        break;
                    }
                    key |= (long) c << (8 * i);
                }
                if (i == chars) {
                    int id = shortPieces.get(key);
                    if (id != PairTable.ABSENT) {
                        out.add(id);
                        return;
                    }
                }
            }
            int length = utf8(start, end);
            if (length == 1) {
                out.add(byteToId[bytes[0] & 0xFF]);
                return;
            }
            int id = length <= 7 ? shortPieces.get(packed(bytes, length))
                    : wholePieces.get(bytes, length, TokenTable.hash(bytes, 0, length));
            if (id >= 0) {
                out.add(id);
            } else {
                merge(length);
            }
        }

        /** Writes text[start, end) as UTF-8 into {@code bytes} (a lone surrogate becomes '?', as in String.getBytes). */
        private int utf8(int start, int end) {
            ensureCapacity((end - start) * 3);
            byte[] b = bytes;
            int n = 0;
            for (int i = start; i < end; i++) {
                char c = text.charAt(i);
                if (c < 0x80) {
                    b[n++] = (byte) c;
                } else if (c < 0x800) {
                    b[n++] = (byte) (0xC0 | (c >> 6));
                    b[n++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isSurrogate(c)) {
                    if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                        int cp = Character.toCodePoint(c, text.charAt(++i));
                        b[n++] = (byte) (0xF0 | (cp >> 18));
                        b[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                        b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                        b[n++] = (byte) (0x80 | (cp & 0x3F));
                    } else {
                        b[n++] = '?';
                    }
                } else {
                    b[n++] = (byte) (0xE0 | (c >> 12));
                    b[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    b[n++] = (byte) (0x80 | (c & 0x3F));
                }
            }
            return n;
        }

        private int rank(int left, int right) {
            int rank = mergeRanks.get(left, right);
            return rank == PairTable.ABSENT ? NO_RANK : rank;
        }

        /** Merges {@code bytes[0, length)} and appends the resulting ids to {@code out}. */
        void merge(int length) {
            if (length > LARGE_PIECE) {
                mergeLarge(length);
                return;
            }
            int[] sym = symbols;
            int[] rk = ranks;
            int n = length;
            for (int i = 0; i < n; i++) {
                sym[i] = byteToId[bytes[i] & 0xFF];
            }
            for (int i = 0; i + 1 < n; i++) {
                rk[i] = rank(sym[i], sym[i + 1]);
            }
            while (n > 1) {
                int best = 0;
                int bestRank = rk[0];
                for (int i = 1; i + 1 < n; i++) {
                    if (rk[i] < bestRank) {
                        bestRank = rk[i];
                        best = i;
                    }
                }
                if (bestRank == NO_RANK) {
                    break;
                }
                sym[best] = mergeResults[bestRank];
                System.arraycopy(sym, best + 2, sym, best + 1, n - best - 2);
                System.arraycopy(rk, best + 2, rk, best + 1, Math.max(0, n - best - 3));
                n--;
                if (best + 1 < n) {
                    rk[best] = rank(sym[best], sym[best + 1]);
                }
                if (best > 0) {
                    rk[best - 1] = rank(sym[best - 1], sym[best]);
                }
            }
            for (int i = 0; i < n; i++) {
                out.add(sym[i]);
            }
        }

        /** The same merges for long pieces: a linked list of symbols and a heap of (rank, position). */
        private void mergeLarge(int length) {
            int[] sym = new int[length];
            int[] next = new int[length];
            int[] prev = new int[length];
            for (int i = 0; i < length; i++) {
                sym[i] = byteToId[bytes[i] & 0xFF];
                next[i] = i + 1;
                prev[i] = i - 1;
            }
            next[length - 1] = -1;
            LongHeap heap = new LongHeap(length);
            for (int i = 0; i + 1 < length; i++) {
                int r = rank(sym[i], sym[i + 1]);
                if (r != NO_RANK) {
                    heap.push(((long) r << 32) | i);
                }
            }
            while (!heap.isEmpty()) {
                long top = heap.pop();
                int r = (int) (top >>> 32);
                int i = (int) top;
                int j = next[i];
                if (sym[i] < 0 || j < 0 || rank(sym[i], sym[j]) != r) {
                    continue; // stale: position merged away or its right neighbour changed
                }
                sym[i] = mergeResults[r];
                sym[j] = -1;
                next[i] = next[j];
                if (next[j] >= 0) {
                    prev[next[j]] = i;
                    int rr = rank(sym[i], sym[next[j]]);
                    if (rr != NO_RANK) {
                        heap.push(((long) rr << 32) | i);
                    }
                }
                if (prev[i] >= 0) {
                    int rl = rank(sym[prev[i]], sym[i]);
                    if (rl != NO_RANK) {
                        heap.push(((long) rl << 32) | prev[i]);
                    }
                }
            }
            for (int i = 0; i >= 0; i = next[i]) {
                out.add(sym[i]);
            }
        }
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] items;
        private int size;

        LongHeap(int capacity) {
            items = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long item) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= item) {
                    break;
                }
                items[i] = items[parent];
                i = parent;
            }
            items[i] = item;
        }

        long pop() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && items[child + 1] < items[child]) {
                    child++;
                }
                if (items[child] >= last) {
                    break;
                }
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
            return top;
        }
    }

    /** All ordinary token ids with their bytes, for writers. */
    List<Integer> ordinaryIds() {
        List<Integer> ids = new ArrayList<>();
        for (int id = 0; id < tokens.length; id++) {
            if (isOrdinary(id)) {
                ids.add(id);
            }
        }
        return ids;
    }
}
