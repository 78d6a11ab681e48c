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
/// Labels of a batch: out[r] = labels[indices[r]].
void nn_gather_labels(uint8_t *out, const uint8_t *labels, const int32_t *indices, int rows);
/// Whether every value is finite.
int nn_all_finite(const float *x, long n);
/// Vectorised exp used by the kernels (exposed for tests).
float nn_expf(float x);

#endif
