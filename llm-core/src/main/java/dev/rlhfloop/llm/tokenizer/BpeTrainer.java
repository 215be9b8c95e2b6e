package dev.rlhfloop.llm.tokenizer;

import dev.rlhfloop.llm.tokenizer.BpeTokenizer.Merge;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns a byte-level BPE vocabulary from a corpus with GPT-2's pre-tokenization. The corpus is
 * reduced to its distinct pieces with their counts; pair counts are kept up to date as each merge
 * rewrites only the pieces that contain the merged pair, and a priority queue (with stale entries
 * skipped) yields the most frequent pair. Ties go to the pair with the smaller ids, so the same
 * corpus always gives the same vocabulary.
 *
 * <p>Ids: 0–255 are the bytes in byte order, then one id per merge in merge order, then
 * {@code <|endoftext|>}. Text between {@code <|endoftext|>} markers is trained on; the markers are not.
 */
public final class BpeTrainer {

    /** Told after every merge; {@code done} counts from 1 to at most {@code total}. */
    @FunctionalInterface
    public interface Progress {
        void merged(int done, int total);
    }

    /** The smallest vocabulary: the 256 bytes and {@code <|endoftext|>}. */
    public static final int MIN_VOCAB_SIZE = 257;

    private BpeTrainer() {}

    public static BpeTokenizer train(String corpus, int vocabSize) {
        return train(corpus, vocabSize, (done, total) -> { });
    }

    /**
     * Trains {@code vocabSize - 257} merges (fewer if the corpus runs out of pairs that occur at
     * least twice), so the vocabulary holds at most {@code vocabSize} tokens with {@code <|endoftext|>}.
     */
    public static BpeTokenizer train(String corpus, int vocabSize, Progress progress) {
        if (vocabSize < MIN_VOCAB_SIZE) {
            throw new IllegalArgumentException("vocabulary size " + vocabSize + " is below " + MIN_VOCAB_SIZE
                    + " (the 256 bytes and <|endoftext|>)");
        }
        Words words = countPieces(corpus);
        int targetMerges = vocabSize - MIN_VOCAB_SIZE;

        PairTable pairCounts = new PairTable(1 << 16);
        PairTable pairIndex = new PairTable(1 << 16);
        List<IntList> occurrences = new ArrayList<>();
        for (int w = 0; w < words.symbols.length; w++) {
            int[] sym = words.symbols[w];
            for (int i = 0; i + 1 < sym.length; i++) {
                long key = PairTable.key(sym[i], sym[i + 1]);
                pairCounts.add(key, words.counts[w]);
                addOccurrence(pairIndex, occurrences, key, w);
            }
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        pairIndex.forEachKey(key -> queue.add(new Candidate(key, pairCounts.get(key))));

        List<Merge> merges = new ArrayList<>(targetMerges);
        List<byte[]> tokens = new ArrayList<>(vocabSize);
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
        }
        int[] visited = new int[words.symbols.length];
        java.util.Arrays.fill(visited, -1);
        PairTable changedAt = new PairTable(1 << 10);
        long[] changed = new long[1024];

        while (merges.size() < targetMerges && !queue.isEmpty()) {
            Candidate best = queue.poll();
            if (best.count != pairCounts.get(best.pair)) {
                continue; // stale: the count changed after this entry was queued
            }
            if (best.count < 2) {
                break; // merging a pair seen once learns nothing about the corpus
            }
            int left = PairTable.left(best.pair);
            int right = PairTable.right(best.pair);
            int merged = tokens.size();
            int step = merges.size();
            merges.add(new Merge(left, right, merged));
            tokens.add(concat(tokens.get(left), tokens.get(right)));

            int changedCount = 0;
            IntList where = occurrences.get(pairIndex.get(best.pair));
            for (int k = 0; k < where.size(); k++) {
                int w = where.get(k);
                if (visited[w] == step) {
                    continue;
                }
                visited[w] = step;
                int[] sym = words.symbols[w];
                int[] rewritten = applyMerge(sym, left, right, merged);
                if (rewritten == sym) {
                    continue; // an earlier merge already consumed this occurrence
                }
                int count = words.counts[w];
                for (int i = 0; i + 1 < sym.length; i++) {
                    long key = PairTable.key(sym[i], sym[i + 1]);
                    pairCounts.add(key, -count);
                    if (changedAt.get(key) != step) {
                        changedAt.put(key, step);
                        changed = append(changed, changedCount++, key);
                    }
                }
                for (int i = 0; i + 1 < rewritten.length; i++) {
                    long key = PairTable.key(rewritten[i], rewritten[i + 1]);
                    pairCounts.add(key, count);
                    if (rewritten[i] == merged || rewritten[i + 1] == merged) {
                        addOccurrence(pairIndex, occurrences, key, w);
                    }
                    if (changedAt.get(key) != step) {
                        changedAt.put(key, step);
                        changed = append(changed, changedCount++, key);
                    }
                }
                words.symbols[w] = rewritten;
            }
            for (int i = 0; i < changedCount; i++) {
                int count = pairCounts.get(changed[i]);
                if (count > 0) {
                    queue.add(new Candidate(changed[i], count));
                }
            }
            progress.merged(merges.size(), targetMerges);
        }
        return new BpeTokenizer(tokens.toArray(new byte[0][]), merges,
                Map.of(BpeTokenizer.END_OF_TEXT, tokens.size()));
    }

    /** The distinct pieces of the corpus as byte-id arrays, with how often each occurs. */
    private record Words(int[][] symbols, int[] counts) {}

    private static Words countPieces(String corpus) {
        Map<String, int[]> counts = new HashMap<>();
        Gpt2PreTokenizer.PieceConsumer counter = (start, end) ->
                counts.computeIfAbsent(corpus.substring(start, end), s -> new int[1])[0]++;
        int from = 0;
        while (from <= corpus.length()) {
            int marker = corpus.indexOf(BpeTokenizer.END_OF_TEXT, from);
            int to = marker < 0 ? corpus.length() : marker;
            Gpt2PreTokenizer.split(corpus, from, to, counter);
            if (marker < 0) {
                break;
            }
            from = marker + BpeTokenizer.END_OF_TEXT.length();
        }
        // Sorted so that word indices, and with them every tie, do not depend on hash order.
        List<String> pieces = new ArrayList<>(counts.keySet());
        pieces.sort(null);
        int[][] symbols = new int[pieces.size()][];
        int[] pieceCounts = new int[pieces.size()];
        for (int w = 0; w < pieces.size(); w++) {
            byte[] bytes = pieces.get(w).getBytes(StandardCharsets.UTF_8);
            int[] sym = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                sym[i] = bytes[i] & 0xFF;
            }
            symbols[w] = sym;
            pieceCounts[w] = counts.get(pieces.get(w))[0];
        }
        return new Words(symbols, pieceCounts);
    }

    /** {@code sym} with every (left, right), taken left to right, replaced by {@code merged}; {@code sym} itself if none. */
    private static int[] applyMerge(int[] sym, int left, int right, int merged) {
        int[] out = null;
        int n = 0;
        for (int i = 0; i < sym.length; i++) {
            if (i + 1 < sym.length && sym[i] == left && sym[i + 1] == right) {
                if (out == null) {
                    out = new int[sym.length - 1];
                    System.arraycopy(sym, 0, out, 0, i);
                    n = i;
                }
                out[n++] = merged;
                i++;
            } else if (out != null) {
                out[n++] = sym[i];
            }
        }
        return out == null ? sym : java.util.Arrays.copyOf(out, n);
    }

    private static void addOccurrence(PairTable pairIndex, List<IntList> occurrences, long key, int word) {
        int index = pairIndex.get(key);
        if (index == PairTable.ABSENT) {
            index = occurrences.size();
            occurrences.add(new IntList(2));
            pairIndex.put(key, index);
        }
        IntList list = occurrences.get(index);
        if (list.size() == 0 || list.get(list.size() - 1) != word) {
            list.add(word);
        }
    }

    private static long[] append(long[] array, int index, long value) {
        if (index == array.length) {
            array = java.util.Arrays.copyOf(array, array.length * 2);
        }
        array[index] = value;
        return array;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A queued pair: most frequent first, then smaller left id, then smaller right id. */
    private record Candidate(long pair, int count) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate other) {
            if (count != other.count) {
                return Integer.compare(other.count, count);
            }
            int byLeft = Integer.compare(PairTable.left(pair), PairTable.left(other.pair));
            return byLeft != 0 ? byLeft : Integer.compare(PairTable.right(pair), PairTable.right(other.pair));
        }
    }
}
