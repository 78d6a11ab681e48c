#include "CKernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define NN_AVX2 __attribute__((target("avx2,fma")))
#define NN_HAS_DISPATCH 1
#else
#define NN_AVX2
#define NN_HAS_DISPATCH 0
#endif

/* Cephes-style expf: round-to-nearest via the 1.5*2^23 trick so it vectorises without SSE4.1. */
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

#define DEFINE_KERNELS(SUFFIX, ATTR)                                                              \
ATTR static void gather_##SUFFIX(float *x, const uint8_t *images, const int32_t *indices, int rows,\
                                 int features, const float *table) {                              \
    for (int r = 0; r < rows; r++) {                                                              \
        const uint8_t *src = images + (long)indices[r] * features;                                \
        float *dst = x + (long)r * features;                                                      \
        for (int f = 0; f < features; f++) dst[f] = table[src[f]];                                \
    }                                                                                             \
}                                                                                                 \
ATTR static void bias_sigmoid_##SUFFIX(float *z, const float *bias, int rows, int cols) {         \
    for (int r = 0; r < rows; r++) {                                                              \
        float *row = z + (long)r * cols;                                                          \
        for (int c = 0; c < cols; c++) row[c] = 1.0f / (1.0f + exp_poly(-(row[c] + bias[c])));    \
    }                                                                                             \
}                                                                                                 \
ATTR static void sigmoid_backward_##SUFFIX(float *delta, const float *h, long n) {                \
    for (long i = 0; i < n; i++) delta[i] = delta[i] * (h[i] * (1.0f - h[i]));                    \
}                                                                                                 \
ATTR static void bias_gradient_##SUFFIX(float *bias, const float *delta, int rows, int cols,      \
                                        float alpha, float beta, float *sum) {                    \
    for (int c = 0; c < cols; c++) sum[c] = 0.0f;                                                 \
    for (int r = 0; r < rows; r++) {                                                              \
        const float *row = delta + (long)r * cols;                                                \
        for (int c = 0; c < cols; c++) sum[c] += row[c];                                          \
    }                                                                                             \
    if (beta == 0.0f) { for (int c = 0; c < cols; c++) bias[c] = alpha * sum[c]; }                \
    else { for (int c = 0; c < cols; c++) bias[c] = beta * bias[c] + alpha * sum[c]; }            \
}

#define CHUNK 64
#define DEFINE_SPARSE(SUFFIX, ATTR)                                                               \
ATTR static void sparse_forward_##SUFFIX(float *z, int rows, int n, const int32_t *row_start,    \
                                         const int32_t *cols, const float *vals, const float *w) {\
    for (int r = 0; r < rows; r++) {                                                              \
        int begin = row_start[r], end = row_start[r + 1];                                         \
        float *out = z + (long)r * n;                                                             \
        int c0 = 0;                                                                               \
        for (; c0 + CHUNK <= n; c0 += CHUNK) {                                                    \
            float acc[CHUNK];                                                                     \
            for (int j = 0; j < CHUNK; j++) acc[j] = 0.0f;                                        \
            for (int i = begin; i < end; i++) {                                                   \
                const float v = vals[i];                                                          \
                const float *row = w + (long)cols[i] * n + c0;                                    \
                for (int j = 0; j < CHUNK; j++) acc[j] = fmaf(v, row[j], acc[j]);                             \
            }                                                                                     \
            for (int j = 0; j < CHUNK; j++) out[c0 + j] = acc[j];                                 \
        }                                                                                         \
        for (int j = c0; j < n; j++) {                                                            \
            float acc = 0.0f;                                                                     \
            for (int i = begin; i < end; i++) acc = fmaf(vals[i], w[(long)cols[i] * n + j], acc);          \
            out[j] = acc;                                                                         \
        }                                                                                         \
    }                                                                                             \
}                                                                                                 \
ATTR static void sparse_weight_gradient_##SUFFIX(float *w, int features, int n,                   \
        const int32_t *col_start, const int32_t *row_index, const float *tvals, const float *d,   \
        float alpha, float beta) {                                                                \
    for (int k = 0; k < features; k++) {                                                          \
        int begin = col_start[k], end = col_start[k + 1];                                         \
        float *out = w + (long)k * n;                                                             \
        if (begin == end) {                                                                       \
            if (beta == 0.0f) for (int j = 0; j < n; j++) out[j] = 0.0f;                          \
            continue;                                                                             \
        }                                                                                         \
        int c0 = 0;                                                                               \
        for (; c0 + CHUNK <= n; c0 += CHUNK) {                                                    \
            float acc[CHUNK];                                                                     \
            for (int j = 0; j < CHUNK; j++) acc[j] = 0.0f;                                        \
            for (int i = begin; i < end; i++) {                                                   \
                const float v = tvals[i];                                                         \
                const float *row = d + (long)row_index[i] * n + c0;                               \
                for (int j = 0; j < CHUNK; j++) acc[j] = fmaf(v, row[j], acc[j]);                             \
            }                                                                                     \
            if (beta == 0.0f) for (int j = 0; j < CHUNK; j++) out[c0 + j] = alpha * acc[j];       \
            else for (int j = 0; j < CHUNK; j++) out[c0 + j] = beta * out[c0 + j] + alpha * acc[j]; \
        }                                                                                         \
        for (int j = c0; j < n; j++) {                                                            \
            float acc = 0.0f;                                                                     \
            for (int i = begin; i < end; i++) acc = fmaf(tvals[i], d[(long)row_index[i] * n + j], acc);    \
            out[j] = beta == 0.0f ? alpha * acc : beta * out[j] + alpha * acc;                    \
        }                                                                                         \
    }                                                                                             \
}

DEFINE_KERNELS(base, )
DEFINE_SPARSE(base, )
#if NN_HAS_DISPATCH
DEFINE_KERNELS(avx2, NN_AVX2)
DEFINE_SPARSE(avx2, NN_AVX2)
static int use_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
}
#define DISPATCH(name, ...) do { if (use_avx2()) name##_avx2(__VA_ARGS__); else name##_base(__VA_ARGS__); } while (0)
#else
#define DISPATCH(name, ...) name##_base(__VA_ARGS__)
#endif

void nn_gather(float *x, const uint8_t *images, const int32_t *indices, int rows, int features,
               const float *table) {
    DISPATCH(gather, x, images, indices, rows, features, table);
}
void nn_bias_sigmoid(float *z, const float *bias, int rows, int cols) {
    DISPATCH(bias_sigmoid, z, bias, rows, cols);
}
void nn_sigmoid_backward(float *delta, const float *h, long n) {
    DISPATCH(sigmoid_backward, delta, h, n);
}
void nn_bias_gradient(float *bias, const float *delta, int rows, int cols, float alpha, float beta,
                      float *scratch) {
    DISPATCH(bias_gradient, bias, delta, rows, cols, alpha, beta, scratch);
}

void nn_sparse_forward(float *z, int rows, int n, const int32_t *row_start, const int32_t *cols,
                       const float *vals, const float *w) {
    DISPATCH(sparse_forward, z, rows, n, row_start, cols, vals, w);
}
void nn_sparse_weight_gradient(float *w, int features, int n, const int32_t *col_start, const int32_t *row_index,
                               const float *tvals, const float *d, float alpha, float beta) {
    DISPATCH(sparse_weight_gradient, w, features, n, col_start, row_index, tvals, d, alpha, beta);
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
        loss -= (double)logf(clipped);
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

/* Rows [r0, r1) of the batch from the sparse copy: CSR at cols/vals + base and per-pixel counts. */
void nn_internal_index_rows(const int64_t *index_start, const uint16_t *index_cols, const uint8_t *index_bytes,
                            const int32_t *indices, int r0, int r1, int features, const float *table, long base,
                            int32_t *row_start, int32_t *cols, float *vals, int32_t *counts) {
    for (int k = 0; k < features; k++) counts[k] = 0;
    long nnz = base;
    /* The rows are scattered over the copy: prefetch a few rows ahead. */
    for (int r = r0; r < r1; r++) {
        if (r + 4 < r1) {
            long ahead = index_start[indices[r + 4]], ahead_end = index_start[indices[r + 4] + 1];
            for (long b = ahead; b < ahead_end; b += 32) __builtin_prefetch(index_cols + b);
            for (long b = ahead; b < ahead_end; b += 64) __builtin_prefetch(index_bytes + b);
        }
        row_start[r] = (int32_t)nnz;
        long begin = index_start[indices[r]], end = index_start[indices[r] + 1];
        const uint16_t *c = index_cols + begin;
        const uint8_t *b = index_bytes + begin;
        long len = end - begin;
        int32_t *oc = cols + nnz;
        float *ov = vals + nnz;
        for (long i = 0; i < len; i++) { oc[i] = c[i]; ov[i] = table[b[i]]; }
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
