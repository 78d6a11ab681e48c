#ifndef NNREG_CKERNELS_H
#define NNREG_CKERNELS_H
#include <stdint.h>

/// nnreg's own kernels. Every value they produce is defined by the algorithm, not by the vector width
/// or the core count, so the scalar reference and the AVX2 and AVX-512 paths give identical bits:
///
/// - A product C = alpha op(A) B + beta C computes every element as
///       acc = +0; for p = 0, 1, …, k-1: acc = fmaf(op(A)[i][p], B[p][j], acc)
///       C[i][j] = beta == 0 ? alpha * acc : fmaf(alpha, acc, beta * C[i][j])
///   one fused multiply-add per term in increasing p. Vector paths vectorise over j (or over the
///   columns of a sparse product), never over p. The sparse first layer runs the same order over the
///   nonzero terms only (a zero term adds exactly nothing).
/// - Reductions: a bias gradient adds its column over rows 0, 1, …, rows-1 (one addition each) and
///   updates like a product; a softmax adds its row's exponentials over classes 0, 1, …; the batch
///   loss adds the rows' −log(p) as doubles over rows 0, 1, ….
/// - Elementwise work (sigmoid, softmax, the sigmoid gradient) uses only +, −, ×, ÷ and our own exp
///   and log, never contracted (-ffp-contract=off).
/// - The two-core split divides whole rows, columns or pixels at fixed points; it never splits a sum.
///
/// `isa` picks the path: one of NN_ISA_*. Ask `nn_isa_supported` first; an unsupported value runs the
/// reference.

/// The arithmetic these kernels define (recorded in every trainer state). 1 was OpenBLAS's, whose
/// summation order depended on the CPU.
#define NN_ARITHMETIC 2

enum {
    /// Portable C: scalar loops with fmaf, no target-specific code. Defines the bits.
    NN_ISA_REFERENCE = 0,
    /// AVX2 with FMA3 (x86-64-v3): 6 x 16 register tiles.
    NN_ISA_AVX2 = 1,
    /// AVX-512F: 8 x 32 register tiles.
    NN_ISA_AVX512 = 2,
    /// For tests only: the AVX-512 path's tile shape and code compiled for AVX2, so its blocking
    /// and edges are checked on machines without AVX-512.
    NN_ISA_AVX512_SHAPE_ON_AVX2 = 3,
};
/// Whether this CPU (and OS) can run the path.
int nn_isa_supported(int isa);
/// The fastest supported path.
int nn_isa_best(void);

/// C (m x n, row stride ldc) = alpha * op(A) * B + beta * C in the order above. op(A) is A (m x k, row
/// stride lda) or, when transpose_a, the transpose of A stored k x m. B is k x n with row stride ldb.
void nn_gemm(int isa, int transpose_a, int m, int n, int k, float alpha, const float *a, int lda,
             const float *b, int ldb, float beta, float *c, int ldc);
/// nn_gemm with op(B) = the transpose of B, which is stored n x k (row stride ldb): the same order of
/// fused multiply-adds, B^T's panels copied (transposed) before use.
void nn_gemm_bt(int isa, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                float beta, float *c, int ldc);
/// dst (cols x rows, row-major) = the transpose of src (rows x cols), columns [c0, c1) of src only.
void nn_transpose_columns(float *dst, const float *src, int rows, int cols, int c0, int c1);
/// Floating-point operations per second of independent FMA chains on this thread (the CPU's peak for
/// the path), measured over `iterations` rounds; on both cores when two_cores.
double nn_fma_peak(int isa, long iterations, int two_cores);

/// X[r][f] = table[images[indices[r] * features + f]] for r < rows.
void nn_gather(float *x, const uint8_t *images, const int32_t *indices, int rows, int features,
               const float *table);
/// Z = softmax(Z + bias) in place per row. Returns the batch SUM of -log(clip(p_true, 1e-9, 1)) and
/// the number of rows whose first argmax equals the label. When delta is not NULL it receives
/// dLoss/dlogits = p - onehot (a zero row where p_true < 1e-9: the clip has no gradient there).
double nn_softmax_loss(float *z, const float *bias, const uint8_t *labels, int rows, int classes,
                       float *delta, int *correct);
/// bias = beta * bias + alpha * column sums of delta (rows x cols, row stride ld), as a product
/// updates (see above); scratch holds cols floats.
void nn_bias_gradient(int isa, float *bias, const float *delta, int rows, int cols, int ld, float alpha, float beta,
                      float *scratch);
/// Sparse batch (most MNIST pixels are 0), as nn_parallel_sparse_gather builds it: row r of the
/// gathered batch has its nonzero pixels at cols[row_start[r] ..< row_start[r+1]] with values
/// vals[...] = table[byte], plus the transposed (per pixel) lists col_start/row_index/tvals.
/// Capacities: row_start rows+1, col_start features+1, the others rows*features.
/// Z (rows x n) = X W for the sparse batch X and dense W (features x n, row-major).
void nn_sparse_forward(int isa, float *z, int rows, int n, const int32_t *row_start, const int32_t *cols,
                       const float *vals, const float *w);
/// W (features x n) = beta * W + alpha * X^T D for the sparse batch X (transposed lists) and D (rows x n).
void nn_sparse_weight_gradient(int isa, float *w, int features, int n, const int32_t *col_start,
                               const int32_t *row_index, const float *tvals, const float *d, float alpha, float beta);
/// Two-way parallel versions: the same work split at fixed points between the caller and one
/// worker thread, each part on one thread, so the results are bit-identical to a serial run.
void nn_parallel_sparse_weight_gradient(int isa, float *w, int features, int n, const int32_t *col_start,
                                        const int32_t *row_index, const float *tvals, const float *d,
                                        float alpha, float beta);
/// The sparse batch gathered on both cores (returns the number of nonzeros); scratch holds rows + 1 + features ints.
/// With row_index NULL the transposed lists are not made (a forward pass alone does not read them).
long nn_parallel_sparse_gather(const uint8_t *images, const int32_t *indices, int rows, int features,
                               const float *table, int32_t *row_start, int32_t *cols, float *vals,
                               int32_t *col_start, int32_t *row_index, float *tvals, int32_t *scratch);
/// The same from rows of float features (a value is a nonzero unless it is ±0).
long nn_parallel_sparse_gather_floats(const float *values, const int32_t *indices, int rows, int features,
                                      int32_t *row_start, int32_t *cols, float *vals,
                                      int32_t *col_start, int32_t *row_index, float *tvals, int32_t *scratch);
/// Number of nonzero bytes among n.
long nn_count_nonzeros(const uint8_t *images, long n);
/// Number of nonzero floats among n (−0 counts as zero: adding 0 × w changes no sum).
long nn_count_nonzero_floats(const float *values, long n);
/// A sparse copy of `count` images: image i's nonzero pixels are cols[row_start[i] ..< row_start[i+1]]
/// (in pixel order) with their bytes in `bytes`. Capacities: row_start count+1, the others the nonzeros.
void nn_sparse_index(const uint8_t *images, long count, int features, int64_t *row_start, uint16_t *cols,
                     uint8_t *bytes);
/// The same for float features.
void nn_sparse_index_floats(const float *values, long count, int features, int64_t *row_start, uint16_t *cols,
                            float *vals);
/// nn_parallel_sparse_gather from a sparse copy (same outputs, bit for bit), on both cores: its values are
/// table[index_bytes[i]] for a copy of bytes, or index_vals[i] (index_bytes NULL) for one of floats.
/// scratch holds 3 * features ints. With row_index NULL the transposed lists are not made.
long nn_parallel_index_gather(const int64_t *index_start, const uint16_t *index_cols, const uint8_t *index_bytes,
                              const float *table, const float *index_vals, const int32_t *indices, int rows, int features,
                              int32_t *row_start, int32_t *cols, float *vals,
                              int32_t *col_start, int32_t *row_index, float *tvals, int32_t *scratch);
/// Fused pairs, each one fork/join with the same values as the two calls in sequence:
/// Z = sigmoid(X W + bias) for the sparse batch X, rows split;
void nn_parallel_sparse_forward_sigmoid(int isa, float *z, int rows, int n, const int32_t *row_start,
                                        const int32_t *cols, const float *vals, const float *w, const float *bias);
/// Hidden-layer activations (`Activation` in Swift). Sigmoid is 1 / (1 + exp(−x)); tanh is
/// 1 − 2 / (exp(2x) + 1); GELU is 0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))); exp is nn_expf.
enum { NN_ACT_SIGMOID = 0, NN_ACT_RELU = 1, NN_ACT_TANH = 2, NN_ACT_GELU = 3 };
/// The most layers (hidden ones and the output) of a network.
#define NN_MAX_LAYERS 9
/// Z = activation(Z + bias) in place (rows x cols); for GELU, pre (when not NULL) keeps Z + bias.
void nn_bias_activation(int isa, int activation, float *z, float *pre, const float *bias, int rows, int cols);
/// delta *= activation'(…) elementwise over n values, from the outputs h (sigmoid: h(1 − h), ReLU:
/// h > 0, tanh: 1 − h²) or, for GELU, the pre-activations.
void nn_activation_backward(int isa, int activation, float *delta, const float *h, const float *pre, long n);
/// The forward pass of a network of `layers` dense layers (widths[0] inputs, widths[layers] classes), in
/// one fork/join split by rows: h[0] = act(X w[0] + b[0]) for the sparse batch X, h[l] = act(h[l-1] w[l] +
/// b[l]), and h[layers-1] = softmax(…) with nn_softmax_loss's loss, count and delta (row_loss holds rows
/// doubles). pre (NULL unless GELU) receives the hidden layers' pre-activations. When wt is not NULL, wt[l]
/// receives w[l]^T for l ≥ 1. With the seed network (two sigmoid hidden layers) these are the bits nnreg has always
/// computed (the golden tests pin them).
double nn_net_forward(int isa, int layers, const int *widths, int activation, int rows, const int32_t *row_start,
                      const int32_t *cols, const float *vals, float *const *w, float *const *b, float *const *h,
                      float *const *pre, const uint8_t *labels, float *delta, double *row_loss, int *correct,
                      float *const *wt);
/// The backward pass after nn_net_forward with deltas (d[layers-1] holds the softmax's): the deltas of
/// every hidden layer into d[l] (through wt, the transposes nn_net_forward made, when the target is the
/// weights themselves; else through w read transposed, wt NULL), and every tensor T of the target
/// (tw, tb) = beta T + alpha dLoss/dT, in
/// two fork/joins: first, split by rows, the deltas down through the transposes and the last layer's
/// gradient; then the other layers' gradients (columns split; the first layer's from the sparse batch's
/// per-pixel lists, pixels split) with the biases (columns split). The target may be the weights
/// themselves (SGD): no part reads a tensor another part writes. scratch holds widths[1] + … + widths[layers] floats.
void nn_net_backward(int isa, int layers, const int *widths, int activation, int rows, float *const *h,
                     float *const *pre, float *const *d, float *const *w, float *const *wt, const int32_t *col_start,
                     const int32_t *row_index, const float *tvals, float *const *tw, float *const *tb, float alpha,
                     float beta, float *scratch);
/// Update rules (`Optimizer` in Swift).
enum { NN_OPT_SGD = 0, NN_OPT_MOMENTUM = 1, NN_OPT_NESTEROV = 2, NN_OPT_ADAM = 3, NN_OPT_ADAMW = 4 };
/// One optimizer step over `tensors` weight tensors w[t] of sizes[t] values with gradients g[t] and state
/// s1[t] (velocity or first moment), s2[t] (second moment), elementwise in float, in this order:
///   grad = g + decay w (not AdamW);  momentum: s1 = mu s1 + grad, w = w − lr s1;
///   Nesterov: s1 = mu s1 + grad, w = w − lr (grad + mu s1);
///   Adam: s1 = b1 s1 + (1 − b1) grad, s2 = b2 s2 + (1 − b2) grad², w = w − lr ((s1 / c1) / (sqrt(s2 / c2) + eps));
///   AdamW: the same with grad = g and w = w − lr ((s1 / c1) / (sqrt(s2 / c2) + eps) + decay w);
///   SGD: w = w − lr (g + decay w).
/// c1 = 1 − b1^t and c2 = 1 − b2^t are the bias corrections of step t. Split by halves of each tensor.
void nn_optimizer_step(int isa, int kind, int tensors, float *const *w, float *const *g, float *const *s1,
                       float *const *s2, const long *sizes, float lr, float momentum, float beta1, float beta2,
                       float epsilon, float decay, float c1, float c2);
/// cos(2 pi t), by the fixed series nn_normal_pair uses (the same bits with any C library).
double nn_cos_turns(double t);
/// The tanh the activations use (exposed for tests).
float nn_tanhf(float x);
/// One product split in two at a fixed row (split_columns 0) or column boundary, for benchmarks.
void nn_parallel_gemm(int isa, int split_columns, int transpose_a, int m, int n, int k, float alpha, const float *a,
                      int lda, const float *b, int ldb, float beta, float *c, int ldc);
/// 0 runs every parallel kernel's two parts one after the other on the caller (same results).
void nn_set_parallel(int enabled);
/// Labels of a batch: out[r] = labels[indices[r]].
void nn_gather_labels(uint8_t *out, const uint8_t *labels, const int32_t *indices, int rows);
/// Whether every value is finite.
int nn_all_finite(const float *x, long n);
/// The exp the kernels use (exposed for tests): a fixed polynomial in +, −, × only.
float nn_expf(float x);
/// The log the loss uses (exposed for tests), for x > 0: a fixed series evaluated in double, rounded
/// to float. Not libm's logf, whose result may depend on the C library and the CPU.
float nn_logf(float x);
/// Box–Muller from two uniforms u1, u2 in (0, 1]: z0 = r cos(2 pi u2), z1 = r sin(2 pi u2) with
/// r = sqrt(-2 log u1), by fixed series in double (not libm's log, cos and sin, whose last bits may
/// differ between C libraries). For the initial weights.
void nn_normal_pair(double u1, double u2, double *z0, double *z1);

#endif
