/* The C side of MatmulBenchmark, compiled by gcc in the same run:
 *   matmul_peer peak SECONDS                 FMA-loop peak on all OpenMP threads (GFLOP/s)
 *   matmul_peer sgemm SECONDS m n k tA tB acc copies ...   OpenBLAS, one line per shape
 * Each sgemm line prints: best_gflops median_gflops cpu_gflops, the last being flops per
 * process CPU second × threads (robust on a shared machine; OpenBLAS threads that spin while
 * waiting count against it). */
#include <cblas.h>
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* 10 independent FMA chains per thread: enough to cover 2 pipes x 4-5 cycles latency. */
static double peak(double seconds) {
    double best = 0;
    double end = now() + seconds;
    while (now() < end) {
        long iterations = 200000;
        double start = now();
        float sink = 0;
#pragma omp parallel reduction(+ : sink)
        {
            __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
            __m256 c0 = _mm256_set1_ps(omp_get_thread_num()), c1 = c0, c2 = c0, c3 = c0, c4 = c0,
                   c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0;
            for (long i = 0; i < iterations; i++) {
                c0 = _mm256_fmadd_ps(c0, x, y); c1 = _mm256_fmadd_ps(c1, x, y);
                c2 = _mm256_fmadd_ps(c2, x, y); c3 = _mm256_fmadd_ps(c3, x, y);
                c4 = _mm256_fmadd_ps(c4, x, y); c5 = _mm256_fmadd_ps(c5, x, y);
                c6 = _mm256_fmadd_ps(c6, x, y); c7 = _mm256_fmadd_ps(c7, x, y);
                c8 = _mm256_fmadd_ps(c8, x, y); c9 = _mm256_fmadd_ps(c9, x, y);
            }
            __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                                     _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(_mm256_add_ps(c6, c7),
                                                                                         _mm256_add_ps(c8, c9))));
            float lanes[8];
            _mm256_storeu_ps(lanes, s);
            sink += lanes[0];
        }
        double elapsed = now() - start;
        double gflops = (double) omp_get_max_threads() * iterations * 10 * 8 * 2 / elapsed / 1e9;
        if (gflops > best) best = gflops;
        if (sink == 12345.f) printf("#");
    }
    return best;
}

static float *randoms(size_t size) {
    float *values = malloc(size * sizeof(float));
    for (size_t i = 0; i < size; i++) values[i] = (float) rand() / RAND_MAX - 0.5f;
    return values;
}

static void sgemm_shape(double seconds, int m, int n, int k, int ta, int tb, int acc, int copies) {
    float *a = randoms((size_t) m * k);
    float **b = malloc(copies * sizeof(float *));
    for (int i = 0; i < copies; i++) b[i] = randoms((size_t) k * n);
    float *c = randoms((size_t) m * n);
    static double times[100000];
    int runs = 0;
    double best_cpu = 1e30;
    double warm = now() + seconds / 3, end = warm + seconds;
    for (int r = 0;; r++) {
        const float *w = b[r % copies];
        double start = now(), cpu_start = cpu_now();
        if (m == 1) {
            /* Batch 1 is a matrix-vector product: y = op(w)ᵀ·x with w row-major. */
            if (tb) cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.f, w, k, a, 1, acc ? 1.f : 0.f, c, 1);
            else cblas_sgemv(CblasRowMajor, CblasTrans, k, n, 1.f, w, n, a, 1, acc ? 1.f : 0.f, c, 1);
        } else {
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.f,
                        a, ta ? m : k, w, tb ? k : n, acc ? 1.f : 0.f, c, n);
        }
        double t = now(), cpu = cpu_now() - cpu_start;
        if (t > warm && runs < 100000) {
            times[runs++] = t - start;
            if (cpu < best_cpu) best_cpu = cpu;
        }
        if (t > end && runs >= 3) break;
    }
    qsort(times, runs, sizeof(double), compare);
    double flops = 2.0 * m * n * k;
    printf("%.2f %.2f %.2f\n", flops / times[0] / 1e9, flops / times[runs / 2] / 1e9,
           flops / best_cpu * omp_get_max_threads() / 1e9);
    fflush(stdout);
    free(a); free(c);
    for (int i = 0; i < copies; i++) free(b[i]);
    free(b);
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "peak") == 0) {
        printf("%.2f\n", peak(atof(argv[2])));
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "sgemm") == 0 && (argc - 3) % 7 == 0) {
        double seconds = atof(argv[2]);
        for (int i = 3; i < argc; i += 7) {
            sgemm_shape(seconds, atoi(argv[i]), atoi(argv[i + 1]), atoi(argv[i + 2]), atoi(argv[i + 3]),
                        atoi(argv[i + 4]), atoi(argv[i + 5]), atoi(argv[i + 6]));
        }
        return 0;
    }
    fprintf(stderr, "usage: matmul_peer peak SECONDS | sgemm SECONDS (m n k tA tB acc copies)...\n");
    return 2;
}
