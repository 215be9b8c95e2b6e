package dev.rlhfloop.llm.model;

/** Every buffer one forward pass over a B×T batch keeps for its backward pass, plus backward scratch. */
final class Activations {

    /** The buffers of one transformer block, named after what they hold. */
    static final class Block {
        final float[] ln1;
        final float[] ln1Mean;
        final float[] ln1Rstd;
        final float[] qkv;
        final float[] attention;
        final float[] logSumExp;
        final float[] residualMid;
        final float[] ln2;
        final float[] ln2Mean;
        final float[] ln2Rstd;
        final float[] fc;
        final float[] fcGelu;
        final float[] residualOut;

        Block(int rows, int channels, int heads) {
            ln1 = new float[rows * channels];
            ln1Mean = new float[rows];
            ln1Rstd = new float[rows];
            qkv = new float[rows * 3 * channels];
            attention = new float[rows * channels];
            logSumExp = new float[rows * heads];
            residualMid = new float[rows * channels];
            ln2 = new float[rows * channels];
            ln2Mean = new float[rows];
            ln2Rstd = new float[rows];
            fc = new float[rows * 4 * channels];
            fcGelu = new float[rows * 4 * channels];
            residualOut = new float[rows * channels];
        }
    }

    final int batchSize;
    final int length;
    final int rows;
    final float[] encoded;
    final Block[] blocks;
    final float[] lnf;
    final float[] lnfMean;
    final float[] lnfRstd;
    final float[] projection;
    final float[] logProbs;
    private final int channels;
    private final int vocabSize;
    private float[] logits;
    private float[] dResidual;
    private float[] dNorm;
    private float[] dQkv;
    private float[] dAttention;
    private float[] dFc;

    Activations(GptConfig config, int batchSize, int length) {
        this.batchSize = batchSize;
        this.length = length;
        this.rows = batchSize * length;
        this.channels = config.embedDim();
        this.vocabSize = config.vocabSize();
        encoded = new float[rows * channels];
        blocks = new Block[config.layers()];
        for (int l = 0; l < blocks.length; l++) {
            blocks[l] = new Block(rows, channels, config.heads());
        }
        lnf = new float[rows * channels];
        lnfMean = new float[rows];
        lnfRstd = new float[rows];
        projection = new float[rows * channels];
        logProbs = new float[rows];
    }

    boolean fits(int batch, int len) {
        return batch == batchSize && len == length;
    }

    float[] logits() {
        if (logits == null) {
            logits = new float[Math.multiplyExact(rows, vocabSize)];
        }
        return logits;
    }

    float[] dResidual() {
        return dResidual == null ? dResidual = new float[rows * channels] : dResidual;
    }

    float[] dNorm() {
        return dNorm == null ? dNorm = new float[rows * channels] : dNorm;
    }

    float[] dQkv() {
        return dQkv == null ? dQkv = new float[rows * 3 * channels] : dQkv;
    }

    float[] dAttention() {
        return dAttention == null ? dAttention = new float[rows * channels] : dAttention;
    }

    float[] dFc() {
        return dFc == null ? dFc = new float[rows * 4 * channels] : dFc;
    }
}
