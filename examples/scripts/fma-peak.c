// This CPU's float32 FMA throughput: the ceiling no float32 GEMM can pass, against which the
// speed benchmark's matmul peak (numpy, PyTorch) and the embedder's GFLOP/s are read.
// Build and run: gcc -O2 -march=native -fopenmp examples/scripts/fma-peak.c -o /tmp/fma-peak
//                OMP_NUM_THREADS=2 /tmp/fma-peak [ITERATIONS]
// (the speed benchmark, llm4es_training.benchmark.speed, builds and runs it the same way).
// Twelve independent accumulators per thread hide the FMA latency (4 cycles on 2 pipes needs 8).
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ACCUMULATORS 12
// Twelve named registers: an array of accumulators lets the compiler swap the loops into memory.
#define STEP(f, r) r = f##_fmadd_ps(r, a, b)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// One kernel per vector width: T the register type, F the intrinsics' prefix.
#define FMA_KERNEL(name, T, F)                                                                        \
    static float name(long iterations) {                                                              \
        T a = F##_set1_ps(0.999999f), b = F##_set1_ps(1e-7f);                                         \
        T r0 = F##_set1_ps(0), r1 = F##_set1_ps(1), r2 = F##_set1_ps(2), r3 = F##_set1_ps(3);         \
        T r4 = F##_set1_ps(4), r5 = F##_set1_ps(5), r6 = F##_set1_ps(6), r7 = F##_set1_ps(7);         \
        T r8 = F##_set1_ps(8), r9 = F##_set1_ps(9), r10 = F##_set1_ps(10), r11 = F##_set1_ps(11);     \
        for (long n = 0; n < iterations; n++) {                                                       \
            STEP(F, r0); STEP(F, r1); STEP(F, r2); STEP(F, r3); STEP(F, r4); STEP(F, r5);             \
            STEP(F, r6); STEP(F, r7); STEP(F, r8); STEP(F, r9); STEP(F, r10); STEP(F, r11);           \
        }                                                                                             \
        T sum = F##_add_ps(F##_add_ps(F##_add_ps(r0, r1), F##_add_ps(r2, r3)),                        \
                           F##_add_ps(F##_add_ps(r4, r5), F##_add_ps(r6, r7)));                       \
        sum = F##_add_ps(sum, F##_add_ps(F##_add_ps(r8, r9), F##_add_ps(r10, r11)));                  \
        return F##_cvtss_f32(sum);                                                                    \
    }

FMA_KERNEL(fma256, __m256, _mm256)
#ifdef __AVX512F__
FMA_KERNEL(fma512, __m512, _mm512)
#endif

#ifdef __AVX512VNNI__
// int8 multiply-adds as MLAS's quantized GEMMs issue them: u8 x s8 into int32, 64 per instruction.
#define DOT(r) r = _mm512_dpbusd_epi32(r, a, b)
static float vnni512(long iterations) {
    __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
    __m512i r0 = _mm512_set1_epi32(0), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0;
    __m512i r6 = r0, r7 = r0, r8 = r0, r9 = r0, r10 = r0, r11 = r0;
    for (long n = 0; n < iterations; n++) {
        DOT(r0); DOT(r1); DOT(r2); DOT(r3); DOT(r4); DOT(r5);
        DOT(r6); DOT(r7); DOT(r8); DOT(r9); DOT(r10); DOT(r11);
        // integer sums are associative: without this the compiler folds the loop into a multiply
        __asm__("" : "+v"(r0), "+v"(r1), "+v"(r2), "+v"(r3), "+v"(r4), "+v"(r5), "+v"(r6), "+v"(r7),
                     "+v"(r8), "+v"(r9), "+v"(r10), "+v"(r11));
    }
    __m512i sum = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(r0, r1), _mm512_add_epi32(r2, r3)),
                                   _mm512_add_epi32(_mm512_add_epi32(r4, r5), _mm512_add_epi32(r6, r7)));
    sum = _mm512_add_epi32(sum, _mm512_add_epi32(_mm512_add_epi32(r8, r9), _mm512_add_epi32(r10, r11)));
    return (float)_mm512_reduce_add_epi32(sum);
}
#endif

// Best of five rounds, every thread running the loop at once.
static void measure(const char *name, const char *unit, int lanes, float (*kernel)(long), long iterations) {
    int threads = omp_get_max_threads();
    double best = 0;
    volatile float sink = 0;
    for (int round = 0; round < 5; round++) {
        double start = now();
#pragma omp parallel reduction(+ : sink)
        sink += kernel(iterations);
        double seconds = now() - start;
        double gflops = 2.0 * lanes * ACCUMULATORS * iterations * threads / seconds / 1e9;
        if (gflops > best) best = gflops;
    }
    printf("%s: %.1f %s on %d threads (%.1f per thread)\n", name, best, unit, threads, best / threads);
}

int main(int argc, char **argv) {
    long iterations = argc > 1 ? atol(argv[1]) : 100000000L;
    measure("float32 FMA, 256-bit", "GFLOP/s", 8, fma256, iterations);
#ifdef __AVX512F__
    measure("float32 FMA, 512-bit", "GFLOP/s", 16, fma512, iterations);
#endif
#ifdef __AVX512VNNI__
    // counted as float FLOPs are: a multiply and an add per pair, 64 pairs per instruction
    measure("int8 VNNI dot, 512-bit", "GOP/s", 64, vnni512, iterations);
#endif
    return 0;
}
