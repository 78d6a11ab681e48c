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

DEFINE_KERNELS(base, )
#if NN_HAS_DISPATCH
DEFINE_KERNELS(avx2, NN_AVX2)
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
