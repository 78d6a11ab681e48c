#ifndef NNREG_CKERNELS_H
#define NNREG_CKERNELS_H
#include <stdint.h>

/// Hot elementwise kernels of the seed network. Every kernel is branch-free per element and compiled
/// with -ffp-contract=off, so the AVX2 and baseline builds give bit-identical results.

/// X[r][f] = table[images[indices[r] * features + f]] for r < rows.
void nn_gather(float *x, const uint8_t *images, const int32_t *indices, int rows, int features,
               const float *table);
/// Z = sigmoid(Z + bias) in place, Z is rows x cols row-major.
void nn_bias_sigmoid(float *z, const float *bias, int rows, int cols);
/// Z = softmax(Z + bias) in place per row. Returns the batch SUM of -log(clip(p_true, 1e-9, 1)) and
/// the number of rows whose first argmax equals the label. When delta is not NULL it receives
/// dLoss/dlogits = p - onehot (a zero row where p_true < 1e-9: the clip has no gradient there).
double nn_softmax_loss(float *z, const float *bias, const uint8_t *labels, int rows, int classes,
                       float *delta, int *correct);
/// delta *= h * (1 - h), elementwise over n values (sigmoid backward).
void nn_sigmoid_backward(float *delta, const float *h, long n);
/// bias = beta * bias + alpha * column sums of delta (rows x cols).
void nn_bias_gradient(float *bias, const float *delta, int rows, int cols, float alpha, float beta,
                      float *scratch);
/// Sparse batch (most MNIST pixels are 0), as nn_parallel_sparse_gather builds it: row r of the
/// gathered batch has its nonzero pixels at cols[row_start[r] ..< row_start[r+1]] with values
/// vals[...] = table[byte], plus the transposed (per pixel) lists col_start/row_index/tvals.
/// Capacities: row_start rows+1, col_start features+1, the others rows*features.
/// Z (rows x n) = X W for the sparse batch X and dense W (features x n, row-major).
void nn_sparse_forward(float *z, int rows, int n, const int32_t *row_start, const int32_t *cols,
                       const float *vals, const float *w);
/// W (features x n) = beta * W + alpha * X^T D for the sparse batch X (transposed lists) and D (rows x n).
void nn_sparse_weight_gradient(float *w, int features, int n, const int32_t *col_start, const int32_t *row_index,
                               const float *tvals, const float *d, float alpha, float beta);
/// Two-way parallel versions: the same work split at fixed points between the caller and one
/// worker thread, each part on one thread, so the results are bit-identical to a serial run of the
/// same split. OpenBLAS must run single-threaded.
void nn_parallel_sparse_weight_gradient(float *w, int features, int n, const int32_t *col_start,
                                        const int32_t *row_index, const float *tvals, const float *d,
                                        float alpha, float beta);
/// The sparse batch gathered on both cores (returns the number of nonzeros); scratch holds rows + 1 + features ints.
long nn_parallel_sparse_gather(const uint8_t *images, const int32_t *indices, int rows, int features,
                               const float *table, int32_t *row_start, int32_t *cols, float *vals,
                               int32_t *col_start, int32_t *row_index, float *tvals, int32_t *scratch);
/// Number of nonzero bytes among n.
long nn_count_nonzeros(const uint8_t *images, long n);
/// A sparse copy of `count` images: image i's nonzero pixels are cols[row_start[i] ..< row_start[i+1]]
/// (in pixel order) with their bytes in `bytes`. Capacities: row_start count+1, the others the nonzeros.
void nn_sparse_index(const uint8_t *images, long count, int features, int64_t *row_start, uint16_t *cols,
                     uint8_t *bytes);
/// nn_parallel_sparse_gather from a sparse copy (same outputs, bit for bit), on both cores; scratch holds
/// 3 * features ints.
long nn_parallel_index_gather(const int64_t *index_start, const uint16_t *index_cols, const uint8_t *index_bytes,
                              const int32_t *indices, int rows, int features, const float *table,
                              int32_t *row_start, int32_t *cols, float *vals,
                              int32_t *col_start, int32_t *row_index, float *tvals, int32_t *scratch);
/// Fused pairs, each one fork/join with the same values as the two calls in sequence:
/// Z = sigmoid(X W + bias) for the sparse batch X, rows split;
void nn_parallel_sparse_forward_sigmoid(float *z, int rows, int n, const int32_t *row_start, const int32_t *cols,
                                        const float *vals, const float *w, const float *bias);
/// C = beta C + alpha A^T B split by columns, with delta (rows x cols) *= h (1 - h) alongside.
void nn_parallel_sgemm_tn_columns_sigmoid_backward(int m, int n, int k, float alpha, const float *a, int lda,
                                                   const float *b, int ldb, float beta, float *c, int ldc,
                                                   float *delta, const float *h, int rows, int cols);
/// The forward pass after the first layer in one fork/join split by rows: H2 = sigmoid(H1 W2 + b2),
/// P = softmax(H2 W3 + b3) with nn_softmax_loss's loss, count and delta (row_loss holds rows doubles).
double nn_parallel_forward_tail(int rows, int hidden1, int hidden2, int classes, const float *h1, const float *w2,
                                const float *b2, float *h2, const float *w3, const float *b3, float *p,
                                const uint8_t *labels, float *delta, double *row_loss, int *correct);
/// D2 = (D3 W3^T) * H2 (1 - H2), then D1 = D2 W2^T, in one fork/join split by rows.
void nn_parallel_backward_head(int rows, int classes, int hidden2, int hidden1, const float *d3, const float *w3,
                               float *d2, const float *h2, const float *w2, float *d1);
/// 0 runs every parallel kernel's two parts one after the other on the caller (same results).
void nn_set_parallel(int enabled);
/// Labels of a batch: out[r] = labels[indices[r]].
void nn_gather_labels(uint8_t *out, const uint8_t *labels, const int32_t *indices, int rows);
/// Whether every value is finite.
int nn_all_finite(const float *x, long n);
/// Vectorised exp used by the kernels (exposed for tests).
float nn_expf(float x);

#endif
