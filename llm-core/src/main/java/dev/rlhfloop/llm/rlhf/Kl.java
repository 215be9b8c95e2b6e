package dev.rlhfloop.llm.rlhf;

/** KL divergence between the categorical distributions two rows of logits define. */
final class Kl {

    private Kl() {}

    /** KL(softmax(p) ‖ softmax(q)) for {@code p[at..at+n)} and {@code q[at..at+n)}, in double. */
    static double ofLogits(float[] p, float[] q, int at, int n) {
        double pMax = Double.NEGATIVE_INFINITY;
        double qMax = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            pMax = Math.max(pMax, p[at + j]);
            qMax = Math.max(qMax, q[at + j]);
        }
        double pSum = 0;
        double qSum = 0;
        for (int j = 0; j < n; j++) {
            pSum += Math.exp(p[at + j] - pMax);
            qSum += Math.exp(q[at + j] - qMax);
        }
        double pLogZ = pMax + Math.log(pSum);
        double qLogZ = qMax + Math.log(qSum);
        double kl = 0;
        for (int j = 0; j < n; j++) {
            double logP = p[at + j] - pLogZ;
            double logQ = q[at + j] - qLogZ;
            kl += Math.exp(logP) * (logP - logQ);
        }
        return Math.max(0, kl);
    }
}
