/* Dense products with one summation order on every path (see CKernels.h): every output element is a
   chain of fused multiply-adds over p = 0, 1, …, k-1 starting from +0. The reference is the plain
   triple loop with fmaf. The vector paths keep MR x NR accumulators in registers and, for each p,
   broadcast op(A)[i][p] and multiply it into B[p][j0 ..< j0+NR]: each lane still sees the same chain
   of the same fused operations, so the lane width cannot change a bit. Compiled with
   -ffp-contract=off; nothing is reassociated. */
#include "CKernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define NN_X86 1
#define NN_AVX2 __attribute__((target("avx2,fma")))
#define NN_AVX512 __attribute__((target("avx512f,avx2,fma")))
#else
#define NN_X86 0
#endif

/* The definition. */
static void gemm_reference(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                           int ldb, float beta, float *c, int ldc) {
    long rs = ta ? 1 : lda, cs = ta ? lda : 1, brs = tb ? 1 : ldb, bcs = tb ? ldb : 1;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float acc = 0.0f;
            for (int p = 0; p < k; p++) acc = fmaf(a[i * rs + p * cs], b[(long)p * brs + (long)j * bcs], acc);
            float *out = c + (long)i * ldc + j;
            *out = beta == 0.0f ? alpha * acc : fmaf(alpha, acc, beta * *out);
        }
    }
}

/* A zero-padded copy of the last, narrower column panel (per thread, grown on first use only). */
static _Thread_local float *panel_scratch;
static _Thread_local long panel_capacity;
static float *panel(long floats) {
    if (floats > panel_capacity) {
        free(panel_scratch);
        panel_scratch = aligned_alloc(64, (size_t)((floats + 15) & ~15L) * sizeof(float));
        panel_capacity = panel_scratch ? floats : 0;
    }
    return panel_scratch;
}

#define NN_UNROLL _Pragma("clang loop unroll(full)")
/* Unaligned vector loads and stores (macros: a 64-byte vector passed by value to a function compiled
   for AVX2 would change the calling convention). */
#define NN_LOAD(T, p) ({ T nn_v_; __builtin_memcpy(&nn_v_, (p), sizeof nn_v_); nn_v_; })
#define NN_STORE(p, v) do { __typeof__(v) nn_v_ = (v); __builtin_memcpy((p), &nn_v_, sizeof nn_v_); } while (0)

/* One path: VL-lane vectors, tiles of MR rows x NV vectors. The tile function takes op(A)'s rows
   [0, mr) at a (element (i, p) at a[i * rs + p * cs]; rows past mr repeat row mr-1 and are not
   stored) and NV * VL columns of B at b (row stride ldb). */
#define DEFINE_GEMM(S, ATTR, VL, MR, NV)                                                              \
typedef float S##_vec __attribute__((ext_vector_type(VL)));                                          \
ATTR static void S##_tile(int k, const float *a, long rs, long cs, int mr, const float *b, long ldb,  \
                          float *c, long ldc, int nr, float alpha, float beta) {                      \
    S##_vec acc[MR][NV];                                                                             \
    NN_UNROLL for (int i = 0; i < MR; i++) NN_UNROLL for (int v = 0; v < NV; v++) acc[i][v] = (S##_vec)(0.0f); \
    long off[MR];                                                                                    \
    NN_UNROLL for (int i = 0; i < MR; i++) off[i] = (long)(i < mr ? i : mr - 1) * rs;               \
    for (int p = 0; p < k; p++) {                                                                    \
        const float *ap = a + (long)p * cs, *bp = b + (long)p * ldb;                                 \
        S##_vec bv[NV];                                                                              \
        NN_UNROLL for (int v = 0; v < NV; v++) bv[v] = NN_LOAD(S##_vec, bp + v * VL);                        \
        NN_UNROLL for (int i = 0; i < MR; i++) {                                                     \
            S##_vec av = (S##_vec)(ap[off[i]]);                                                      \
            NN_UNROLL for (int v = 0; v < NV; v++) acc[i][v] = __builtin_elementwise_fma(av, bv[v], acc[i][v]); \
        }                                                                                            \
    }                                                                                                \
    if (mr == MR && nr == VL * NV) {                                                                 \
        const S##_vec va = (S##_vec)(alpha);                                                         \
        NN_UNROLL for (int i = 0; i < MR; i++) NN_UNROLL for (int v = 0; v < NV; v++) {              \
            float *out = c + i * ldc + v * VL;                                                       \
            S##_vec r = beta == 0.0f ? va * acc[i][v]                                                \
                : __builtin_elementwise_fma(va, acc[i][v], (S##_vec)(beta) * NN_LOAD(S##_vec, out));         \
            NN_STORE(out, r);                                                                       \
        }                                                                                            \
        return;                                                                                      \
    }                                                                                                \
    float t[MR][VL * NV];                                                                            \
    NN_UNROLL for (int i = 0; i < MR; i++) NN_UNROLL for (int v = 0; v < NV; v++) NN_STORE(&t[i][v * VL], acc[i][v]); \
    for (int i = 0; i < mr; i++) {                                                                   \
        float *out = c + i * ldc;                                                                    \
        for (int j = 0; j < nr; j++)                                                                 \
            out[j] = beta == 0.0f ? alpha * t[i][j] : fmaf(alpha, t[i][j], beta * out[j]);           \
    }                                                                                                \
}                                                                                                    \
ATTR static void S##_gemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,  \
                          const float *b, int ldb, float beta, float *c, int ldc) {                   \
    const int nr_full = VL * NV;                                                                     \
    long rs = ta ? 1 : lda, cs = ta ? lda : 1;                                                       \
    const int panels = (n + nr_full - 1) / nr_full;                                                  \
    /* A large B (half a megabyte or more) is copied once into contiguous column panels of k x NR (the \
       last zero-padded), and each tile's k x MR block of A p-major: rows a power of two apart, like  \
       1024 floats, would all fall into a few cache sets (a weight gradient's A^T of 256 x 1024 read \
       in place ran at half the speed). A small one is read in place (copying would cost more than it \
       saves), only its last, narrower panel copied and padded. Copies change no value.              \
       With tb, B is given transposed (stored n x k) and always copied into panels, which reads it    \
       transposed. */                                                                                \
    const int large = (long)k * n >= (1L << 17) && m > MR, packs = large || tb;                      \
    float *scratch = panel(packs ? (long)k * nr_full * panels + (long)k * MR : (long)k * nr_full);  \
    if (!scratch) { gemm_reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return; }  \
    for (int q = 0; q < panels; q++) {                                                               \
        int j0 = q * nr_full, nr = n - j0 < nr_full ? n - j0 : nr_full;                              \
        if (!packs && nr == nr_full) continue;                                                       \
        float *dst = packs ? scratch + (long)q * k * nr_full : scratch;                              \
        if (tb) {                                                                                    \
            for (int p = 0; p < k; p++) for (int j = nr; j < nr_full; j++) dst[(long)p * nr_full + j] = 0.0f; \
            for (int j = 0; j < nr; j++) {                                                           \
                const float *src = b + (long)(j0 + j) * ldb;                                         \
                for (int p = 0; p < k; p++) dst[(long)p * nr_full + j] = src[p];                     \
            }                                                                                        \
        } else {                                                                                     \
            for (int p = 0; p < k; p++) {                                                            \
                const float *src = b + (long)p * ldb + j0;                                           \
                for (int j = 0; j < nr; j++) dst[(long)p * nr_full + j] = src[j];                    \
                for (int j = nr; j < nr_full; j++) dst[(long)p * nr_full + j] = 0.0f;                \
            }                                                                                        \
        }                                                                                            \
    }                                                                                                \
    float *ablock = scratch + (long)k * nr_full * panels;                                            \
    for (int i0 = 0; i0 < m; i0 += MR) {                                                             \
        int mr = m - i0 < MR ? m - i0 : MR;                                                          \
        const float *ai = a + i0 * rs;                                                               \
        long ars = rs, acs = cs;                                                                     \
        if (large) {                                                                                 \
            for (int p = 0; p < k; p++)                                                              \
                for (int i = 0; i < MR; i++) ablock[(long)p * MR + i] = ai[(long)(i < mr ? i : mr - 1) * rs + (long)p * cs]; \
            ai = ablock;                                                                             \
            ars = 1;                                                                                 \
            acs = MR;                                                                                \
        }                                                                                            \
        for (int q = 0; q < panels; q++) {                                                           \
            int j0 = q * nr_full, nr = n - j0 < nr_full ? n - j0 : nr_full;                          \
            const float *bp = packs ? scratch + (long)q * k * nr_full : nr < nr_full ? scratch : b + j0; \
            long bstride = packs || nr < nr_full ? nr_full : ldb;                                    \
            S##_tile(k, ai, ars, acs, mr, bp, bstride, c + (long)i0 * ldc + j0, ldc, nr, alpha, beta); \
        }                                                                                            \
    }                                                                                                \
}

#if NN_X86
DEFINE_GEMM(avx2, NN_AVX2, 8, 6, 2)
DEFINE_GEMM(avx512, NN_AVX512, 16, 8, 2)
DEFINE_GEMM(wide, NN_AVX2, 16, 8, 2)
#endif

static void gemm_dispatch(int isa, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                          const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
#if NN_X86
    switch (isa) {
    case NN_ISA_AVX2: avx2_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return;
    case NN_ISA_AVX512: avx512_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return;
    case NN_ISA_AVX512_SHAPE_ON_AVX2: wide_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return;
    default: break;
    }
#else
    (void)isa;
#endif
    gemm_reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void nn_gemm(int isa, int transpose_a, int m, int n, int k, float alpha, const float *a, int lda,
             const float *b, int ldb, float beta, float *c, int ldc) {
    gemm_dispatch(isa, transpose_a, 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void nn_gemm_bt(int isa, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                float beta, float *c, int ldc) {
    gemm_dispatch(isa, 0, 1, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void nn_transpose_columns(float *dst, const float *src, int rows, int cols, int c0, int c1) {
    /* Tiles of 8 rows x 64 columns: the 8 rows read stay in the L1 cache even when they are a power of
       two apart (an 8-way cache holds 8 lines of one set), and each column is written 8 floats at a time. */
    for (int r0 = 0; r0 < rows; r0 += 8) {
        int r1 = r0 + 8 < rows ? r0 + 8 : rows;
        for (int t0 = c0; t0 < c1; t0 += 64) {
            int t1 = t0 + 64 < c1 ? t0 + 64 : c1;
            for (int c = t0; c < t1; c++) {
                float *out = dst + (long)c * rows;
                for (int r = r0; r < r1; r++) out[r] = src[(long)r * cols + c];
            }
        }
    }
}

/* ---- the FMA peak: 12 independent chains per thread, which no FMA latency can stall ---- */

#if NN_X86
#define DEFINE_PEAK(S, ATTR, VL)                                                                     \
typedef float S##_peak_vec __attribute__((ext_vector_type(VL)));                                     \
ATTR static float S##_peak(long iterations) {                                                        \
    S##_peak_vec acc[12], x = (S##_peak_vec)(0.999999f), y = (S##_peak_vec)(1e-7f);                   \
    NN_UNROLL for (int i = 0; i < 12; i++) acc[i] = (S##_peak_vec)((float)i);                        \
    for (long it = 0; it < iterations; it++) {                                                       \
        NN_UNROLL for (int i = 0; i < 12; i++) acc[i] = __builtin_elementwise_fma(acc[i], x, y);     \
        __asm__ volatile("" : "+x"(x));                                                              \
    }                                                                                                \
    float sum = 0.0f;                                                                                \
    NN_UNROLL for (int i = 0; i < 12; i++) sum += acc[i][0];                                         \
    return sum;                                                                                      \
}
DEFINE_PEAK(avx2, NN_AVX2, 8)
DEFINE_PEAK(avx512, NN_AVX512, 16)
#endif

static float scalar_peak(long iterations) {
    float acc[4] = {0, 1, 2, 3};
    for (long it = 0; it < iterations; it++)
        for (int i = 0; i < 4; i++) acc[i] = fmaf(acc[i], 0.999999f, 1e-7f);
    return acc[0] + acc[1] + acc[2] + acc[3];
}

/* Lanes per FMA of each path's peak loop, and its chains. */
float nn_internal_peak_run(int isa, long iterations, double *flops) {
#if NN_X86
    if (isa == NN_ISA_AVX2 || isa == NN_ISA_AVX512_SHAPE_ON_AVX2) { *flops = 2.0 * 8 * 12 * iterations; return avx2_peak(iterations); }
    if (isa == NN_ISA_AVX512) { *flops = 2.0 * 16 * 12 * iterations; return avx512_peak(iterations); }
#endif
    *flops = 2.0 * 4 * iterations;
    return scalar_peak(iterations);
}
