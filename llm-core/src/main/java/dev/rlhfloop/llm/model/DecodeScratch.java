package dev.rlhfloop.llm.model;

/**
 * Working memory of a cached forward step ({@link Gpt#forwardCached(DecodeScratch, KvCache[], int[][])}),
 * grown on demand: the activations of the step's rows and the last row of each sequence. A
 * {@link KvCache} carries one for the one-sequence step; a thread that steps batches keeps its own.
 */
public final class DecodeScratch {

    private int rows;
    private int sequences;
    private int channels;
    int[] owner;
    int[] position;
    float[] x;
    float[] norm;
    float[] mean;
    float[] rstd;
    float[] qkv;
    float[] attention;
    float[] projection;
    float[] fc;
    float[] fcGelu;
    float[] last;
    float[] lastNorm;

    DecodeScratch() {}

    void ensure(int rowsNeeded, int sequencesNeeded, int channelsNeeded) {
        if (channelsNeeded != channels) {
            rows = 0;
            sequences = 0;
            channels = channelsNeeded;
        }
        if (rowsNeeded > rows) {
            rows = rowsNeeded;
            owner = new int[rows];
            position = new int[rows];
            x = new float[rows * channels];
            norm = new float[rows * channels];
            qkv = new float[rows * 3 * channels];
            attention = new float[rows * channels];
            projection = new float[rows * channels];
            fc = new float[rows * 4 * channels];
            fcGelu = new float[rows * 4 * channels];
        }
        if (sequencesNeeded > sequences) {
            sequences = sequencesNeeded;
            last = new float[sequences * channels];
            lastNorm = new float[sequences * channels];
        }
        // mean and rstd serve both the rows and the final norm of each sequence's last row.
        int statistics = Math.max(rows, sequences);
        if (mean == null || mean.length < statistics) {
            mean = new float[statistics];
            rstd = new float[statistics];
        }
    }
}
