#include "CKernels.h"
#include "internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cephes-style expf: round-to-nearest via the 1.5*2^23 trick so it vectorises without SSE4.1.
   Only +, -, * (never contracted) and an integer shift: the same bits on every path. */
static inline float exp_poly(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    float t = x * 1.44269504088896341f + 12582912.0f;
    float n = t - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union { uint32_t u; float f; } s;
    s.u = (uint32_t)((int32_t)n + 127) << 23;
    return p * s.f;
}

float nn_expf(float x) { return exp_poly(x); }

/* tanh x = 1 − 2 / (e^{2x} + 1), with exp_poly (saturates to ±1 where it clamps). */
static inline float tanh_exp(float x) { return 1.0f - 2.0f / (exp_poly(2.0f * x) + 1.0f); }
/* GELU's tanh form: √(2/π) and 0.044715. */
#define GELU_K 0.7978845608028654f
#define GELU_C 0.044715f
float nn_tanhf(float x) { return tanh_exp(x); }

/* log(x) for x > 0 (normal): x = 2^e m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s) with
   s = (m - 1) / (m + 1), |s| < 0.172, summed in double to s^21 (error far below a float ulp), then
   e ln 2 added and the result rounded once to float. Only IEEE +, -, *, / in a fixed order. */
float nn_logf(float x) {
    if (!(x > 0.0f)) return x == 0.0f ? -INFINITY : NAN;
    if (x == INFINITY) return x;
    union { float f; uint32_t u; } v = {x};
    int e = 0;
    if ((v.u >> 23) == 0) { v.f = x * 8388608.0f; e = -23; }  /* subnormal: scale by 2^23 */
    e += (int)(v.u >> 23) - 127;
    v.u = (v.u & 0x007FFFFFu) | 0x3F800000u;                      /* m in [1, 2) */
    double m = v.f;
    if (m > 1.41421356237309504880) { m = m * 0.5; e += 1; }
    double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double series = 1.0 / 21.0;
    series = series * s2 + 1.0 / 19.0;
    series = series * s2 + 1.0 / 17.0;
    series = series * s2 + 1.0 / 15.0;
    series = series * s2 + 1.0 / 13.0;
    series = series * s2 + 1.0 / 11.0;
    series = series * s2 + 1.0 / 9.0;
    series = series * s2 + 1.0 / 7.0;
    series = series * s2 + 1.0 / 5.0;
    series = series * s2 + 1.0 / 3.0;
    series = series * s2 + 1.0;
    double log_m = 2.0 * s * series;
    return (float)((double)e * 0.693147180559945309417 + log_m);
}

#define DEFINE_KERNELS(SUFFIX, ATTR)                                                              \
ATTR static void bias_activation_##SUFFIX(int act, float *z, float *pre, const float *bias,      \
                                          int rows, int cols) {                                   \
    for (int r = 0; r < rows; r++) {                                                              \
        float *row = z + (long)r * cols;                                                          \
        float *keep = pre ? pre + (long)r * cols : 0;                                             \
        switch (act) {                                                                            \
        case NN_ACT_RELU:                                                                         \
            for (int c = 0; c < cols; c++) { float x = row[c] + bias[c]; row[c] = x > 0.0f ? x : 0.0f; } \
            break;                                                                                \
        case NN_ACT_TANH:                                                                         \
            for (int c = 0; c < cols; c++) row[c] = tanh_exp(row[c] + bias[c]);                   \
            break;                                                                                \
        case NN_ACT_GELU:                                                                         \
            for (int c = 0; c < cols; c++) {                                                      \
                float x = row[c] + bias[c];                                                       \
                if (keep) keep[c] = x;                                                            \
                row[c] = 0.5f * x * (1.0f + tanh_exp(GELU_K * (x + GELU_C * (x * x * x))));       \
            }                                                                                     \
            break;                                                                                \
        default:                                                                                  \
            for (int c = 0; c < cols; c++) row[c] = 1.0f / (1.0f + exp_poly(-(row[c] + bias[c]))); \
        }                                                                                         \
    }                                                                                             \
}                                                                                                 \
ATTR static void activation_backward_##SUFFIX(int act, float *delta, const float *h,              \
                                              const float *pre, long n) {                          \
    switch (act) {                                                                                \
    case NN_ACT_RELU:                                                                             \
        for (long i = 0; i < n; i++) delta[i] = h[i] > 0.0f ? delta[i] : 0.0f;                    \
        break;                                                                                    \
    case NN_ACT_TANH:                                                                             \
        for (long i = 0; i < n; i++) delta[i] = delta[i] * (1.0f - h[i] * h[i]);                  \
        break;                                                                                    \
    case NN_ACT_GELU:                                                                             \
        for (long i = 0; i < n; i++) {                                                            \
            float x = pre[i], x2 = x * x;                                                         \
            float t = tanh_exp(GELU_K * (x + GELU_C * (x2 * x)));                                 \
            float slope = 0.5f * (1.0f + t) + 0.5f * x * ((1.0f - t * t) * (GELU_K * (1.0f + 3.0f * GELU_C * x2))); \
            delta[i] = delta[i] * slope;                                                          \
        }                                                                                         \
        break;                                                                                    \
    default:                                                                                      \
        for (long i = 0; i < n; i++) delta[i] = delta[i] * (h[i] * (1.0f - h[i]));                \
    }                                                                                             \
}                                                                                                 \
ATTR static void bias_gradient_##SUFFIX(float *bias, const float *delta, int rows, int cols,      \
                                        int ld, float alpha, float beta, float *sum) {            \
    for (int c = 0; c < cols; c++) sum[c] = 0.0f;                                                 \
    for (int r = 0; r < rows; r++) {                                                              \
        const float *row = delta + (long)r * ld;                                                  \
        for (int c = 0; c < cols; c++) sum[c] += row[c];                                          \
    }                                                                                             \
    if (beta == 0.0f) { for (int c = 0; c < cols; c++) bias[c] = alpha * sum[c]; }                \
    else { for (int c = 0; c < cols; c++) bias[c] = fmaf(alpha, sum[c], beta * bias[c]); }      \
}

/* The column chunks are the outer loop: a chunk's strip of W (features x CHUNK floats) or D (rows x
   CHUNK) is first copied to a contiguous buffer (rows a power-of-two apart, like 1024 floats, would all
   fall into the same few cache sets) and stays in the cache while every row (or pixel) runs over it.
   Each output element is still one chain of fmaf over its nonzero terms in increasing order, so
   neither the loop order nor the copy changes a bit. Without the buffer (out of memory) the strip is
   read in place: slower, the same values. */
static _Thread_local float *strip_scratch;
static _Thread_local long strip_capacity;
/* Columns [c0, c0 + width) of each row, `stride` floats apart, zero past `width` (a last chunk's
   lanes beyond the matrix, computed and never stored). */
static const float *strip(const float *src, long rows, long ld, int c0, int width, int stride) {
    if (rows * stride > strip_capacity) {
        free(strip_scratch);
        strip_scratch = aligned_alloc(64, (size_t)((rows * stride + 15) & ~15L) * sizeof(float));
        strip_capacity = strip_scratch ? rows * stride : 0;
    }
    if (!strip_scratch) return 0;
    for (long r = 0; r < rows; r++) {
        memcpy(strip_scratch + r * stride, src + r * ld + c0, (size_t)width * sizeof(float));
        if (stride > width) memset(strip_scratch + r * stride + width, 0, (size_t)(stride - width) * sizeof(float));
    }
    return strip_scratch;
}
/* One chunk of NV vectors of columns for one output row: acc = chain of fmaf over the terms, in
   registers (8 vectors: enough independent chains to hide the FMA latency; 4, 2 and 1 for the last
   columns). VL is the vector width in floats (1 for the reference, whose loop is the plain
   definition). Every lane is the same chain whatever NV and VL, so the chunking changes no bit.
   from_out continues the chains held in out (stored and loaded as floats, they are the same); the
   terms stop at the first index at or past limit, and the index of that term is returned. */
#define DEFINE_SPARSE_CHUNK(SUFFIX, ATTR, VL, NV)                                                 \
ATTR static inline int sparse_chunk##NV##_##SUFFIX(float *out, const float *base, long ld,       \
        const int32_t *index, const float *values, int begin, int end, float alpha, float beta,   \
        int scaled, int from_out, int limit) {                                                    \
    SUFFIX##_svec acc[NV];                                                                        \
    for (int v = 0; v < NV; v++) {                                                                \
        if (from_out) __builtin_memcpy(&acc[v], out + v * VL, sizeof acc[v]);                     \
        else acc[v] = (SUFFIX##_svec)(0.0f);                                                      \
    }                                                                                             \
    int i = begin;                                                                                \
    for (; i < end && index[i] < limit; i++) {                                                    \
        const SUFFIX##_svec x = (SUFFIX##_svec)(values[i]);                                       \
        const float *row = base + (long)index[i] * ld;                                            \
        for (int v = 0; v < NV; v++) {                                                            \
            SUFFIX##_svec w;                                                                      \
            __builtin_memcpy(&w, row + v * VL, sizeof w);                                         \
            acc[v] = __builtin_elementwise_fma(x, w, acc[v]);                                     \
        }                                                                                         \
    }                                                                                             \
    for (int v = 0; v < NV; v++) {                                                                \
        SUFFIX##_svec r = acc[v];                                                                 \
        if (scaled) {                                                                             \
            SUFFIX##_svec old;                                                                    \
            __builtin_memcpy(&old, out + v * VL, sizeof old);                                     \
            r = beta == 0.0f ? (SUFFIX##_svec)(alpha) * r                                         \
                : __builtin_elementwise_fma((SUFFIX##_svec)(alpha), r, (SUFFIX##_svec)(beta) * old); \
        }                                                                                         \
        __builtin_memcpy(out + v * VL, &r, sizeof r);                                             \
    }                                                                                             \
    return i;                                                                                     \
}
/* Rows run over the strip together in groups of SPARSE_GROUP, in blocks of features whose part of
   the strip is SPARSE_L1_BYTES (three quarters of a 32 KB L1 data cache). */
enum { SPARSE_GROUP = 64, SPARSE_L1_BYTES = 24576 };
/* sparse_forward: z[r, j] = Σ over row r's nonzero (k, x) of x·w[k, j]; sparse_weight_gradient:
   w[k, j] = alpha·Σ over pixel k's rows (r, x) of x·d[r, j] (+ beta·w[k, j]). Both run over column
   chunks of 8 vectors of a packed strip (the forward in L1-sized blocks, sparse_block); the columns
   past the last whole chunk (a hidden size not a multiple of 8·VL) go through sparse_tail: 4, 2 and
   1 vectors, the last one padded. */
#define DEFINE_SPARSE(SUFFIX, ATTR, VL)                                                           \
enum { SUFFIX##_chunk = 8 * VL, SUFFIX##_block = SPARSE_L1_BYTES / (8 * VL * (int)sizeof(float)) };   \
typedef float SUFFIX##_svec __attribute__((ext_vector_type(VL)));                                \
DEFINE_SPARSE_CHUNK(SUFFIX, ATTR, VL, 8)                                                          \
DEFINE_SPARSE_CHUNK(SUFFIX, ATTR, VL, 4)                                                          \
DEFINE_SPARSE_CHUNK(SUFFIX, ATTR, VL, 2)                                                          \
DEFINE_SPARSE_CHUNK(SUFFIX, ATTR, VL, 1)                                                          \
/* One output row's terms among features [.., limit) from *cursor on, continuing its chains (from \
   +0 when first): a block of the strip's rows that stays in the L1 cache while a group of rows    \
   runs over it. */                                                                               \
ATTR static inline void sparse_block_##SUFFIX(float *out, const float *packed, const int32_t *index, \
        const float *values, int *cursor, int end, int limit, int first) {                        \
    if (!first && (*cursor >= end || index[*cursor] >= limit)) return;                           \
    *cursor = sparse_chunk8_##SUFFIX(out, packed, SUFFIX##_chunk, index, values, *cursor, end, 1.0f, 0.0f, 0, !first, limit); \
}                                                                                                 \
/* The last `width` (< 8·VL) columns of one output row from a strip `stride` (width rounded up to \
   VL) floats wide: in a buffer, so that padded lanes are never stored. */                        \
ATTR static inline void sparse_tail_##SUFFIX(float *out, int width, const float *packed, int stride, \
        const int32_t *index, const float *values, int begin, int end, float alpha, float beta,   \
        int scaled) {                                                                             \
    float buffer[SUFFIX##_chunk] __attribute__((aligned(64)));                                    \
    memset(buffer, 0, sizeof buffer);                                                             \
    if (scaled) memcpy(buffer, out, (size_t)width * sizeof(float));                               \
    int c = 0;                                                                                    \
    if (stride - c >= 4 * VL) { sparse_chunk4_##SUFFIX(buffer + c, packed + c, stride, index, values, begin, end, alpha, beta, scaled, 0, INT32_MAX); c += 4 * VL; } \
    if (stride - c >= 2 * VL) { sparse_chunk2_##SUFFIX(buffer + c, packed + c, stride, index, values, begin, end, alpha, beta, scaled, 0, INT32_MAX); c += 2 * VL; } \
    if (stride - c >= VL) { sparse_chunk1_##SUFFIX(buffer + c, packed + c, stride, index, values, begin, end, alpha, beta, scaled, 0, INT32_MAX); } \
    memcpy(out, buffer, (size_t)width * sizeof(float));                                           \
}                                                                                                 \
ATTR static void sparse_forward_##SUFFIX(float *z, int rows, int n, const int32_t *row_start,    \
                                         const int32_t *cols, const float *vals, const float *w) {\
    int c0 = 0, features = 0;                                                                     \
    for (int i = row_start[0]; i < row_start[rows]; i++) features = cols[i] >= features ? cols[i] + 1 : features; \
    for (; c0 + SUFFIX##_chunk <= n; c0 += SUFFIX##_chunk) {                                                        \
        const float *packed = strip(w, features, n, c0, SUFFIX##_chunk, SUFFIX##_chunk);                          \
        if (!packed) {                                                                            \
            for (int r = 0; r < rows; r++)                                                        \
                sparse_chunk8_##SUFFIX(z + (long)r * n + c0, w + c0, n, cols, vals, row_start[r], row_start[r + 1], 1.0f, 0.0f, 0, 0, INT32_MAX); \
            continue;                                                                             \
        }                                                                                         \
        /* Groups of rows, each over the strip in blocks of features that fit the L1 cache. */    \
        for (int g0 = 0; g0 < rows; g0 += SPARSE_GROUP) {                                         \
            int g1 = g0 + SPARSE_GROUP < rows ? g0 + SPARSE_GROUP : rows, cursor[SPARSE_GROUP];    \
            for (int r = g0; r < g1; r++) cursor[r - g0] = row_start[r];                          \
            for (int k0 = 0; k0 == 0 || k0 < features; k0 += SUFFIX##_block) /* once at least: +0s */ \
                for (int r = g0; r < g1; r++)                                                     \
                    sparse_block_##SUFFIX(z + (long)r * n + c0, packed, cols, vals, &cursor[r - g0], row_start[r + 1], \
                                          k0 + SUFFIX##_block, k0 == 0);                          \
        }                                                                                         \
    }                                                                                             \
    const int width = n - c0, stride = (width + VL - 1) / VL * VL;                                \
    const float *packed = width > 0 ? strip(w, features, n, c0, width, stride) : 0;               \
    if (packed) {                                                                                 \
        for (int r = 0; r < rows; r++)                                                            \
            sparse_tail_##SUFFIX(z + (long)r * n + c0, width, packed, stride, cols, vals,         \
                                 row_start[r], row_start[r + 1], 1.0f, 0.0f, 0);                  \
        return;                                                                                   \
    }                                                                                             \
    for (int r = 0; r < rows; r++) {                                                              \
        int begin = row_start[r], end = row_start[r + 1];                                         \
        float *out = z + (long)r * n;                                                             \
        for (int j = c0; j < n; j++) {                                                            \
            float acc = 0.0f;                                                                     \
            for (int i = begin; i < end; i++) acc = fmaf(vals[i], w[(long)cols[i] * n + j], acc);\
            out[j] = acc;                                                                         \
        }                                                                                         \
    }                                                                                             \
}                                                                                                 \
ATTR static void sparse_weight_gradient_##SUFFIX(float *w, int features, int n,                   \
        const int32_t *col_start, const int32_t *row_index, const float *tvals, const float *d,   \
        float alpha, float beta) {                                                                \
    int c0 = 0, rows = 0;                                                                         \
    for (int i = col_start[0]; i < col_start[features]; i++) rows = row_index[i] >= rows ? row_index[i] + 1 : rows; \
    for (; c0 + SUFFIX##_chunk <= n; c0 += SUFFIX##_chunk) {                                                        \
        const float *packed = strip(d, rows, n, c0, SUFFIX##_chunk, SUFFIX##_chunk);                              \
        for (int k = 0; k < features; k++)  /* no terms: acc = +0 */                              \
            sparse_chunk8_##SUFFIX(w + (long)k * n + c0, packed ? packed : d + c0, packed ? SUFFIX##_chunk : n, \
                                  row_index, tvals, col_start[k], col_start[k + 1], alpha, beta, 1, 0, INT32_MAX); \
    }                                                                                             \
    const int width = n - c0, stride = (width + VL - 1) / VL * VL;                                \
    const float *packed = width > 0 ? strip(d, rows, n, c0, width, stride) : 0;                   \
    if (packed) {                                                                                 \
        for (int k = 0; k < features; k++)                                                        \
            sparse_tail_##SUFFIX(w + (long)k * n + c0, width, packed, stride, row_index, tvals,   \
                                 col_start[k], col_start[k + 1], alpha, beta, 1);                 \
        return;                                                                                   \
    }                                                                                             \
    for (int k = 0; k < features; k++) {                                                          \
        int begin = col_start[k], end = col_start[k + 1];                                         \
        float *out = w + (long)k * n;                                                             \
        for (int j = c0; j < n; j++) {                                                            \
            float acc = 0.0f;                                                                     \
            for (int i = begin; i < end; i++) acc = fmaf(tvals[i], d[(long)row_index[i] * n + j], acc); \
            out[j] = beta == 0.0f ? alpha * acc : fmaf(alpha, acc, beta * out[j]);                \
        }                                                                                         \
    }                                                                                             \
}


DEFINE_KERNELS(base, )
DEFINE_SPARSE(base, , 1)
#if NN_HAS_DISPATCH
DEFINE_KERNELS(avx2, NN_AVX2)
DEFINE_SPARSE(avx2, NN_AVX2, 8)
DEFINE_KERNELS(avx512, NN_AVX512)
DEFINE_SPARSE(avx512, NN_AVX512, 16)
#endif

/* ---- paths ---- */

int nn_isa_supported(int isa) {
    if (isa == NN_ISA_REFERENCE) return 1;
#if NN_HAS_DISPATCH
    static int avx2 = -1, avx512 = -1;
    if (avx2 < 0) {
        __builtin_cpu_init();
        /* compiler-rt also checks that the OS saves the ymm and zmm registers (XCR0). */
        avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        avx512 = avx2 && __builtin_cpu_supports("avx512f");
    }
    if (isa == NN_ISA_AVX2 || isa == NN_ISA_AVX512_SHAPE_ON_AVX2) return avx2;
    if (isa == NN_ISA_AVX512) return avx512;
#endif
    return 0;
}

int nn_isa_best(void) {
    if (nn_isa_supported(NN_ISA_AVX512)) return NN_ISA_AVX512;
    if (nn_isa_supported(NN_ISA_AVX2)) return NN_ISA_AVX2;
    return NN_ISA_REFERENCE;
}

#if NN_HAS_DISPATCH
#define DISPATCH(name, isa, ...) do {                                                                 \
    switch (isa) {                                                                                    \
    case NN_ISA_AVX2: case NN_ISA_AVX512_SHAPE_ON_AVX2: name##_avx2(__VA_ARGS__); break;               \
    case NN_ISA_AVX512: name##_avx512(__VA_ARGS__); break;                                            \
    default: name##_base(__VA_ARGS__); break;                                                         \
    } } while (0)
#else
#define DISPATCH(name, isa, ...) do { (void)(isa); name##_base(__VA_ARGS__); } while (0)
#endif

void nn_bias_activation(int isa, int activation, float *z, float *pre, const float *bias, int rows, int cols) {
    DISPATCH(bias_activation, isa, activation, z, pre, bias, rows, cols);
}
void nn_activation_backward(int isa, int activation, float *delta, const float *h, const float *pre, long n) {
    DISPATCH(activation_backward, isa, activation, delta, h, pre, n);
}
void nn_bias_gradient(int isa, float *bias, const float *delta, int rows, int cols, int ld, float alpha, float beta,
                      float *scratch) {
    DISPATCH(bias_gradient, isa, bias, delta, rows, cols, ld, alpha, beta, scratch);
}

void nn_sparse_forward(int isa, float *z, int rows, int n, const int32_t *row_start, const int32_t *cols,
                       const float *vals, const float *w) {
    DISPATCH(sparse_forward, isa, z, rows, n, row_start, cols, vals, w);
}
void nn_sparse_weight_gradient(int isa, float *w, int features, int n, const int32_t *col_start,
                               const int32_t *row_index, const float *tvals, const float *d, float alpha, float beta) {
    DISPATCH(sparse_weight_gradient, isa, w, features, n, col_start, row_index, tvals, d, alpha, beta);
}

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* CSR rows of the batch: 16 pixels at a time, a movemask of the nonzero bytes, then one store per
   set bit. counts[f] receives the number of rows in which pixel f is nonzero. */
long nn_internal_sparse_rows(const uint8_t *images, const int32_t *indices, int rows, int features,
                        const float *table, int32_t *row_start, int32_t *cols, float *vals, int32_t *counts) {
    long nnz = 0;
    for (int k = 0; k < features; k++) counts[k] = 0;
    /* Rows are scattered over the training set: prefetch a few rows ahead. */
    for (int r = 0; r < rows && r < 8; r++) {
        const uint8_t *ahead = images + (long)indices[r] * features;
        for (int b = 0; b < features; b += 64) __builtin_prefetch(ahead + b);
    }
    for (int r = 0; r < rows; r++) {
        row_start[r] = (int32_t)nnz;
        const uint8_t *src = images + (long)indices[r] * features;
        if (r + 8 < rows) {
            const uint8_t *ahead = images + (long)indices[r + 8] * features;
            for (int b = 0; b < features; b += 64) __builtin_prefetch(ahead + b);
        }
        int f = 0;
#if defined(__SSE2__)
        const __m128i zero = _mm_setzero_si128();
        for (; f + 16 <= features; f += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(src + f));
            unsigned mask = (~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero))) & 0xFFFFu;
            while (mask) {
                int j = f + __builtin_ctz(mask);
                mask &= mask - 1;
                cols[nnz] = j;
                vals[nnz] = table[src[j]];
                counts[j]++;
                nnz++;
            }
        }
#endif
        for (; f < features; f++) {
            if (src[f]) {
                cols[nnz] = f;
                vals[nnz] = table[src[f]];
                counts[f]++;
                nnz++;
            }
        }
    }
    row_start[rows] = (int32_t)nnz;
    return nnz;
}

/* Appends the nonzero floats of one row (not ±0; NaN counts, as != says), in feature order, at
   position nnz: each one's feature to cols (32-bit) or cols16 (16-bit), whichever is given, its
   value to vals, and one more to its feature's count when counts is given. Returns the new nnz.
   Inlined into both callers, where the NULL tests fold away. */
static inline long append_nonzero_floats(const float *src, int features, long nnz, int32_t *cols, uint16_t *cols16,
                                         float *vals, int32_t *counts) {
    int f = 0;
#if defined(__SSE2__)
    const __m128 zero = _mm_setzero_ps();
    for (; f + 4 <= features; f += 4) {
        unsigned mask = (unsigned)_mm_movemask_ps(_mm_cmpneq_ps(_mm_loadu_ps(src + f), zero));
        while (mask) {
            int j = f + __builtin_ctz(mask);
            mask &= mask - 1;
            if (cols) cols[nnz] = j; else cols16[nnz] = (uint16_t)j;
            vals[nnz] = src[j];
            if (counts) counts[j]++;
            nnz++;
        }
    }
#endif
    for (; f < features; f++) {
        if (src[f] != 0.0f) {
            if (cols) cols[nnz] = f; else cols16[nnz] = (uint16_t)f;
            vals[nnz] = src[f];
            if (counts) counts[f]++;
            nnz++;
        }
    }
    return nnz;
}

/* The same for rows of float features (their nonzeros, not ±0, in feature order). */
long nn_internal_sparse_rows_floats(const float *values, const int32_t *indices, int rows, int features,
                                    int32_t *row_start, int32_t *cols, float *vals, int32_t *counts) {
    long nnz = 0;
    for (int k = 0; k < features; k++) counts[k] = 0;
    for (int r = 0; r < rows; r++) {
        row_start[r] = (int32_t)nnz;
        nnz = append_nonzero_floats(values + (long)indices[r] * features, features, nnz, cols, 0, vals, counts);
    }
    row_start[rows] = (int32_t)nnz;
    return nnz;
}

/* CSC lists from the CSR rows; col_start[k + 1] holds pixel k's count on entry. */
void nn_internal_build_columns(int rows, int features, const int32_t *row_start, const int32_t *cols,
                               const float *vals, int32_t *col_start, int32_t *row_index, float *tvals) {
    col_start[0] = 0;
    for (int k = 0; k < features; k++) col_start[k + 1] += col_start[k];
    /* Scatter in row order so each pixel's list is sorted by row; col_start[k] serves as the cursor
       and is restored afterwards by shifting. */
    for (int r = 0; r < rows; r++) {
        for (int i = row_start[r]; i < row_start[r + 1]; i++) {
            int32_t slot = col_start[cols[i]]++;
            row_index[slot] = r;
            tvals[slot] = vals[i];
        }
    }
    for (int k = features; k > 0; k--) col_start[k] = col_start[k - 1];
    col_start[0] = 0;
}

void nn_gather_labels(uint8_t *out, const uint8_t *labels, const int32_t *indices, int rows) {
    for (int r = 0; r < rows; r++) out[r] = labels[indices[r]];
}

int nn_all_finite(const float *x, long n) {
    for (long i = 0; i < n; i++) if (!isfinite(x[i])) return 0;
    return 1;
}

double nn_softmax_loss(float *z, const float *bias, const uint8_t *labels, int rows, int classes,
                       float *delta, int *correct) {
    double loss = 0.0;
    int right = 0;
    for (int r = 0; r < rows; r++) {
        float *row = z + (long)r * classes;
        float m = -INFINITY;
        for (int c = 0; c < classes; c++) { row[c] += bias[c]; m = row[c] > m ? row[c] : m; }
        float sum = 0.0f;
        for (int c = 0; c < classes; c++) { row[c] = exp_poly(row[c] - m); sum += row[c]; }
        float inv = 1.0f / sum;
        int best = 0;
        for (int c = 0; c < classes; c++) {
            row[c] = row[c] * inv;
            if (row[c] > row[best]) best = c;
        }
        int label = labels[r];
        if (best == label) right++;
        float pt = row[label];
        float clipped = pt < 1e-9f ? 1e-9f : (pt > 1.0f ? 1.0f : pt);
        loss -= (double)nn_logf(clipped);
        if (delta) {
            float *d = delta + (long)r * classes;
            if (pt >= 1e-9f) {
                for (int c = 0; c < classes; c++) d[c] = row[c];
                d[label] -= 1.0f;
            } else {
                for (int c = 0; c < classes; c++) d[c] = 0.0f;
            }
        }
    }
    *correct = right;
    return loss;
}

/* ---- a sparse copy of a whole split, made once per run ---- */

long nn_count_nonzeros(const uint8_t *images, long n) {
    long nnz = 0;
    for (long i = 0; i < n; i++) nnz += images[i] != 0;
    return nnz;
}

long nn_count_nonzero_floats(const float *values, long n) {
    long nnz = 0, i = 0;
#if defined(__SSE2__)
    const __m128 zero = _mm_setzero_ps();
    for (; i + 4 <= n; i += 4) nnz += __builtin_popcount((unsigned)_mm_movemask_ps(_mm_cmpneq_ps(_mm_loadu_ps(values + i), zero)));
#endif
    for (; i < n; i++) nnz += values[i] != 0.0f;
    return nnz;
}

void nn_sparse_index(const uint8_t *images, long count, int features, int64_t *row_start, uint16_t *cols,
                     uint8_t *bytes) {
    long nnz = 0;
    for (long r = 0; r < count; r++) {
        row_start[r] = nnz;
        const uint8_t *src = images + r * features;
        for (int f = 0; f < features; f++) {
            if (src[f]) { cols[nnz] = (uint16_t)f; bytes[nnz] = src[f]; nnz++; }
        }
    }
    row_start[count] = nnz;
}

void nn_sparse_index_floats(const float *values, long count, int features, int64_t *row_start, uint16_t *cols,
                            float *vals) {
    long nnz = 0;
    for (long r = 0; r < count; r++) {
        row_start[r] = nnz;
        nnz = append_nonzero_floats(values + r * features, features, nnz, 0, cols, vals, 0);
    }
    row_start[count] = nnz;
}

/* Rows [r0, r1) of the batch from the sparse copy: CSR at cols/vals + base and per-pixel counts. */
void nn_internal_index_rows(const int64_t *index_start, const uint16_t *index_cols, const uint8_t *index_bytes,
                            const float *table, const float *index_vals,
                            const int32_t *indices, int r0, int r1, int features, long base,
                            int32_t *row_start, int32_t *cols, float *vals, int32_t *counts) {
    for (int k = 0; k < features; k++) counts[k] = 0;
    long nnz = base;
    /* The rows are scattered over the copy: prefetch a few rows ahead. */
    for (int r = r0; r < r1; r++) {
        if (r + 4 < r1) {
            long ahead = index_start[indices[r + 4]], ahead_end = index_start[indices[r + 4] + 1];
            for (long b = ahead; b < ahead_end; b += 32) __builtin_prefetch(index_cols + b);
            if (index_bytes) for (long b = ahead; b < ahead_end; b += 64) __builtin_prefetch(index_bytes + b);
            else for (long b = ahead; b < ahead_end; b += 16) __builtin_prefetch(index_vals + b);
        }
        row_start[r] = (int32_t)nnz;
        long begin = index_start[indices[r]], end = index_start[indices[r] + 1];
        const uint16_t *c = index_cols + begin;
        const uint8_t *bytes = index_bytes ? index_bytes + begin : 0;
        const float *b = index_vals ? index_vals + begin : 0;
        long len = end - begin;
        int32_t *oc = cols + nnz;
        float *ov = vals + nnz;
        if (bytes) for (long i = 0; i < len; i++) { oc[i] = c[i]; ov[i] = table[bytes[i]]; }
        else for (long i = 0; i < len; i++) { oc[i] = c[i]; ov[i] = b[i]; }
        for (long i = 0; i < len; i++) counts[c[i]]++;
        nnz += len;
    }
}

/* Scatters the batch's pixels [k0, k1) into their per-pixel lists in row order, cursor[k] being the
   next slot of pixel k. Each row's pixels are sorted, so the range is one run per row. */
void nn_internal_scatter_columns(int rows, int k0, int k1, const int32_t *row_start, const int32_t *cols,
                                 const float *vals, int32_t *cursor, int32_t *row_index, float *tvals) {
    for (int r = 0; r < rows; r++) {
        int i = row_start[r], end = row_start[r + 1];
        if (k0 > 0) while (i < end && cols[i] < k0) i++;
        for (; i < end && cols[i] < k1; i++) {
            int32_t slot = cursor[cols[i]]++;
            row_index[slot] = r;
            tvals[slot] = vals[i];
        }
    }
}

/* ---- the initial weights' normal draws, without libm: the same bits with any C library ---- */

/* log(u) for 0 < u <= 1: u = 2^e m, m in [sqrt(1/2), sqrt(2)), 2 atanh((m-1)/(m+1)) to s^25. */
static double log_unit(double u) {
    union { double d; uint64_t u; } v = {u};
    int e = (int)((v.u >> 52) & 0x7FF) - 1023;
    v.u = (v.u & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
    double m = v.d;
    if (m > 1.41421356237309504880) { m = m * 0.5; e += 1; }
    double s = (m - 1.0) / (m + 1.0), s2 = s * s, series = 1.0 / 25.0;
    for (int k = 23; k >= 1; k -= 2) series = series * s2 + 1.0 / (double)k;
    return (double)e * 0.693147180559945309417 + 2.0 * s * series;
}

/* cos and sin of 2 pi u: q quarter turns plus r in [-1/8, 1/8] turns (exact), x = 2 pi r. */
static void cos_sin_turns(double u, double *cos_t, double *sin_t) {
    double q = floor(u * 4.0 + 0.5), r = u - q * 0.25, x = r * 6.28318530717958647693, x2 = x * x;
    /* sin x = x (1 - x2/3! + x2^2/5! - … - x2^9/19!), cos x = 1 - x2/2! + … + x2^10/20!, Horner in x2. */
    double s = -1.0 / 121645100408832000.0;                 /* -1/19! */
    s = s * x2 + 1.0 / 355687428096000.0;                   /* 1/17! */
    s = s * x2 - 1.0 / 1307674368000.0;                     /* 1/15! */
    s = s * x2 + 1.0 / 6227020800.0;                        /* 1/13! */
    s = s * x2 - 1.0 / 39916800.0;                          /* 1/11! */
    s = s * x2 + 1.0 / 362880.0;                            /* 1/9! */
    s = s * x2 - 1.0 / 5040.0;                              /* 1/7! */
    s = s * x2 + 1.0 / 120.0;                               /* 1/5! */
    s = s * x2 - 1.0 / 6.0;                                 /* 1/3! */
    s = x + x * (x2 * s);
    double c = 1.0 / 2432902008176640000.0;                 /* 1/20! */
    c = c * x2 - 1.0 / 6402373705728000.0;                  /* 1/18! */
    c = c * x2 + 1.0 / 20922789888000.0;                    /* 1/16! */
    c = c * x2 - 1.0 / 87178291200.0;                       /* 1/14! */
    c = c * x2 + 1.0 / 479001600.0;                         /* 1/12! */
    c = c * x2 - 1.0 / 3628800.0;                           /* 1/10! */
    c = c * x2 + 1.0 / 40320.0;                             /* 1/8! */
    c = c * x2 - 1.0 / 720.0;                               /* 1/6! */
    c = c * x2 + 1.0 / 24.0;                                /* 1/4! */
    c = c * x2 - 0.5;
    c = 1.0 + x2 * c;
    switch ((int)q & 3) {
    case 0: *cos_t = c; *sin_t = s; break;
    case 1: *cos_t = -s; *sin_t = c; break;
    case 2: *cos_t = -c; *sin_t = -s; break;
    default: *cos_t = s; *sin_t = -c; break;
    }
}

double nn_cos_turns(double t) {
    double c, s;
    cos_sin_turns(t, &c, &s);
    return c;
}

void nn_normal_pair(double u1, double u2, double *z0, double *z1) {
    double radius = sqrt(-2.0 * log_unit(u1));  /* sqrt is correctly rounded by IEEE 754 */
    double cos_t, sin_t;
    cos_sin_turns(u2, &cos_t, &sin_t);
    *z0 = radius * cos_t;
    *z1 = radius * sin_t;
}
