/* A dense network of any depth (1 to NN_MAX_LAYERS layers) in the same two-core fork/joins as the
   seed's kernels: the forward pass split by rows, the backward pass in two fork/joins (deltas split by
   rows, then the weight gradients by columns or pixels), and the optimizers' elementwise updates split
   by halves of each tensor. Every value is computed by the one-thread kernels in the order CKernels.h
   defines, so the split, the core count and the vector width never change a bit. */
#include "CKernels.h"
#include "internal.h"
#include <math.h>

/* Many jobs with the same row split in one fork/join (see parallel.c's chains). */
#define MAX_CHAIN (4 * NN_MAX_LAYERS + 4)
typedef struct { job_fn fn[MAX_CHAIN]; void *ctx[MAX_CHAIN]; int count; } chain;
static void chain_part(void *p, int part) {
    chain *c = p;
    for (int i = 0; i < c->count; i++) c->fn[i](c->ctx[i], part);
}
static void push(chain *c, job_fn fn, void *ctx) {
    c->fn[c->count] = fn;
    c->ctx[c->count] = ctx;
    c->count++;
}
/* A product whose B is a megabyte or more (which the kernel copies into panels) is split by columns in
   a fork/join of its own, after the chain so far: split by rows, each core would copy all of B. */
static void push_product(chain *c, gemm_job *g) {
    if ((long)g->k * g->n < (1L << 18)) { push(c, gemm_part, g); return; }
    if (c->count) run2(chain_part, c);
    c->count = 0;
    g->split_n = 1;
    run2(gemm_part, g);
}

typedef struct { int isa, act; float *delta; const float *h, *pre; int rows, cols; } activation_backward_job;
static void activation_backward_part(void *p, int part) {
    activation_backward_job *a = p;
    int half = a->rows / 2, r0 = part ? half : 0, r1 = part ? a->rows : half;
    long off = (long)r0 * a->cols;
    if (r1 > r0) nn_activation_backward(a->isa, a->act, a->delta + off, a->h + off, a->pre ? a->pre + off : 0,
                                        (long)(r1 - r0) * a->cols);
}

double nn_net_forward(int isa, int layers, const int *widths, int activation, int rows, const int32_t *row_start,
                      const int32_t *cols, const float *vals, float *const *w, float *const *b, float *const *h,
                      float *const *pre, const uint8_t *labels, float *delta, double *row_loss, int *correct,
                      float *const *wt) {
    sparse_fwd_job first = {isa, h[0], rows, widths[1], row_start, cols, vals, w[0]};
    activation_job act[NN_MAX_LAYERS];
    gemm_job product[NN_MAX_LAYERS];
    transpose_job transpose[NN_MAX_LAYERS];
    softmax_job softmax = {h[layers - 1], b[layers - 1], labels, rows, widths[layers], delta, row_loss, {0, 0}};
    chain c = {.count = 0};
    /* Part p's rows of each layer need only part p's rows of the layer before (a large product, split
       by columns, waits for both). */
    push(&c, sparse_fwd_part, &first);
    for (int l = 0; l < layers - 1; l++) {
        act[l] = (activation_job){isa, activation, h[l], pre ? pre[l] : 0, b[l], rows, widths[l + 1]};
        push(&c, activation_part, &act[l]);
        product[l] = (gemm_job){isa, 0, rows, widths[l + 2], widths[l + 1], widths[l + 1], widths[l + 2], widths[l + 2], 0,
                                1.0f, 0.0f, h[l], w[l + 1], h[l + 1]};
        push_product(&c, &product[l]);
    }
    push(&c, softmax_part, &softmax);
    /* W^T of every layer after the first, for the backward pass's deltas (split by columns of W). */
    if (wt) {
        for (int l = 1; l < layers; l++) {
            transpose[l] = (transpose_job){wt[l], w[l], widths[l], widths[l + 1]};
            push(&c, transpose_part, &transpose[l]);
        }
    }
    run2(chain_part, &c);
    double loss = 0.0;
    for (int r = 0; r < rows; r++) loss += row_loss[r];
    *correct = softmax.correct[0] + softmax.correct[1];
    return loss;
}

void nn_net_backward(int isa, int layers, const int *widths, int activation, int rows, float *const *h,
                     float *const *pre, float *const *d, float *const *w, float *const *wt, const int32_t *col_start,
                     const int32_t *row_index, const float *tvals, float *const *tw, float *const *tb, float alpha,
                     float beta, float *scratch) {
    gemm_job down[NN_MAX_LAYERS], update[NN_MAX_LAYERS];
    activation_backward_job back[NN_MAX_LAYERS];
    bias_job bias[NN_MAX_LAYERS];
    long offset[NN_MAX_LAYERS];
    long total = 0;
    for (int l = 0; l < layers; l++) { offset[l] = total; total += widths[l + 1]; }
    int last = layers - 1;
    if (layers > 1) {
        /* First, split by rows: the deltas down to the first layer (through the transposes the forward
           pass made, so they see the weights before this update); then the last layer's gradient
           (rows of W split) and its bias (columns split). */
        chain first = {.count = 0};
        for (int l = last; l >= 1; l--) {
            /* D[l-1] = D[l] W[l]^T: from the transpose the forward pass made when the weights are
               updated in place (SGD), else from W[l] itself read transposed (same bits, no copy). */
            down[l] = wt ? (gemm_job){isa, 0, rows, widths[l], widths[l + 1], widths[l + 1], widths[l], widths[l], 0, 1.0f, 0.0f,
                                      d[l], wt[l], d[l - 1], 0}
                         : (gemm_job){isa, 0, rows, widths[l], widths[l + 1], widths[l + 1], widths[l + 1], widths[l], 0, 1.0f, 0.0f,
                                      d[l], w[l], d[l - 1], 1};
            push_product(&first, &down[l]);
            back[l] = (activation_backward_job){isa, activation, d[l - 1], h[l - 1], pre ? pre[l - 1] : 0, rows, widths[l]};
            push(&first, activation_backward_part, &back[l]);
        }
        update[last] = (gemm_job){isa, 1, widths[last], widths[last + 1], rows, widths[last], widths[last + 1],
                                  widths[last + 1], 0, alpha, beta, h[last - 1], d[last], tw[last]};
        push(&first, gemm_part, &update[last]);
        bias[last] = (bias_job){isa, tb[last], d[last], rows, widths[last + 1], alpha, beta, scratch + offset[last]};
        push(&first, bias_part, &bias[last]);
        run2(chain_part, &first);
    }
    /* Then the hidden layers' gradients (columns split) and the first layer's from the sparse batch's
       per-pixel lists (pixels split), each with its bias (columns split). */
    chain second = {.count = 0};
    for (int l = last - 1; l >= 1; l--) {
        update[l] = (gemm_job){isa, 1, widths[l], widths[l + 1], rows, widths[l], widths[l + 1], widths[l + 1], 1, alpha, beta,
                               h[l - 1], d[l], tw[l]};
        push(&second, gemm_part, &update[l]);
        bias[l] = (bias_job){isa, tb[l], d[l], rows, widths[l + 1], alpha, beta, scratch + offset[l]};
        push(&second, bias_part, &bias[l]);
    }
    sparse_grad_job input = {isa, tw[0], widths[0], widths[1], col_start, row_index, tvals, d[0], alpha, beta};
    push(&second, sparse_grad_part, &input);
    bias[0] = (bias_job){isa, tb[0], d[0], rows, widths[1], alpha, beta, scratch + offset[0]};
    push(&second, bias_part, &bias[0]);
    run2(chain_part, &second);
}

/* ---- optimizers: elementwise, +, −, ×, ÷ and sqrt only (IEEE, correctly rounded), never contracted ---- */

#define DEFINE_OPTIMIZER(SUFFIX, ATTR)                                                                     \
ATTR static void optimizer_##SUFFIX(int kind, float *w, const float *g, float *s1, float *s2, long n,        \
                                    float lr, float mu, float b1, float b2, float eps, float decay,          \
                                    float c1, float c2) {                                                   \
    switch (kind) {                                                                                        \
    case NN_OPT_MOMENTUM:                                                                                  \
        for (long i = 0; i < n; i++) {                                                                     \
            float grad = g[i] + decay * w[i];                                                              \
            s1[i] = mu * s1[i] + grad;                                                                     \
            w[i] = w[i] - lr * s1[i];                                                                      \
        }                                                                                                  \
        break;                                                                                             \
    case NN_OPT_NESTEROV:                                                                                  \
        for (long i = 0; i < n; i++) {                                                                     \
            float grad = g[i] + decay * w[i];                                                              \
            s1[i] = mu * s1[i] + grad;                                                                     \
            w[i] = w[i] - lr * (grad + mu * s1[i]);                                                        \
        }                                                                                                  \
        break;                                                                                             \
    case NN_OPT_ADAM:                                                                                      \
        for (long i = 0; i < n; i++) {                                                                     \
            float grad = g[i] + decay * w[i];                                                              \
            s1[i] = b1 * s1[i] + (1.0f - b1) * grad;                                                       \
            s2[i] = b2 * s2[i] + (1.0f - b2) * (grad * grad);                                              \
            w[i] = w[i] - lr * ((s1[i] / c1) / (sqrtf(s2[i] / c2) + eps));                                 \
        }                                                                                                  \
        break;                                                                                             \
    case NN_OPT_ADAMW:                                                                                     \
        for (long i = 0; i < n; i++) {                                                                     \
            float grad = g[i];                                                                             \
            s1[i] = b1 * s1[i] + (1.0f - b1) * grad;                                                       \
            s2[i] = b2 * s2[i] + (1.0f - b2) * (grad * grad);                                              \
            w[i] = w[i] - lr * ((s1[i] / c1) / (sqrtf(s2[i] / c2) + eps) + decay * w[i]);                  \
        }                                                                                                  \
        break;                                                                                             \
    default: /* SGD */                                                                                     \
        for (long i = 0; i < n; i++) w[i] = w[i] - lr * (g[i] + decay * w[i]);                             \
    }                                                                                                      \
}

DEFINE_OPTIMIZER(base, )
#if NN_HAS_DISPATCH
DEFINE_OPTIMIZER(avx2, NN_AVX2)
DEFINE_OPTIMIZER(avx512, NN_AVX512)
#endif

typedef struct {
    int isa, kind, tensors;
    float *const *w; float *const *g; float *const *s1; float *const *s2; const long *sizes;
    float lr, mu, b1, b2, eps, decay, c1, c2;
} optimizer_job;

static void optimizer_part(void *p, int part) {
    optimizer_job *o = p;
    for (int t = 0; t < o->tensors; t++) {
        long n = o->sizes[t], half = (n / 2 + 15) & ~15L;
        if (half > n) half = n;
        long i0 = part ? half : 0, i1 = part ? n : half;
        if (i1 <= i0) continue;
        float *w = o->w[t] + i0, *s1 = o->s1 ? o->s1[t] + i0 : 0, *s2 = o->s2 ? o->s2[t] + i0 : 0;
        const float *g = o->g[t] + i0;
#if NN_HAS_DISPATCH
        switch (o->isa) {
        case NN_ISA_AVX2: case NN_ISA_AVX512_SHAPE_ON_AVX2:
            optimizer_avx2(o->kind, w, g, s1, s2, i1 - i0, o->lr, o->mu, o->b1, o->b2, o->eps, o->decay, o->c1, o->c2);
            continue;
        case NN_ISA_AVX512:
            optimizer_avx512(o->kind, w, g, s1, s2, i1 - i0, o->lr, o->mu, o->b1, o->b2, o->eps, o->decay, o->c1, o->c2);
            continue;
        default: break;
        }
#endif
        optimizer_base(o->kind, w, g, s1, s2, i1 - i0, o->lr, o->mu, o->b1, o->b2, o->eps, o->decay, o->c1, o->c2);
    }
}

void nn_optimizer_step(int isa, int kind, int tensors, float *const *w, float *const *g, float *const *s1,
                       float *const *s2, const long *sizes, float lr, float momentum, float beta1, float beta2,
                       float epsilon, float decay, float c1, float c2) {
    optimizer_job o = {isa, kind, tensors, w, g, s1, s2, sizes, lr, momentum, beta1, beta2, epsilon, decay, c1, c2};
    run2(optimizer_part, &o);
}
