/* What the parallel kernels share between files (not part of the module's interface). */
#ifndef NNREG_CKERNELS_INTERNAL_H
#define NNREG_CKERNELS_INTERNAL_H
#include <stdint.h>

/* Functions compiled for a vector extension, called only after nn_isa_supported says the CPU has it. */
#if defined(__x86_64__) && defined(__clang__)
#define NN_AVX2 __attribute__((target("avx2,fma")))
#define NN_AVX512 __attribute__((target("avx512f,avx2,fma")))
#define NN_HAS_DISPATCH 1
#else
#define NN_HAS_DISPATCH 0
#endif

typedef void (*job_fn)(void *ctx, int part);
/* Runs job(ctx, 0) on the caller and job(ctx, 1) on the worker; returns when both are done. */
void run2(job_fn job, void *ctx);

/* Each job's part p does half of the work, split at a fixed point (see parallel.c). */
typedef struct {
    int isa, ta, m, n, k, lda, ldb, ldc, split_n;
    float alpha, beta;
    const float *a, *b;
    float *c;
    /* B given transposed (stored n x k, row stride ldb): nn_gemm_bt. ta must then be 0. */
    int tb;
} gemm_job;
/* Half of a product: columns (split_n) or rows. */
void gemm_part(void *p, int part);
/* Z = activation(Z + bias), rows split; pre (GELU) keeps Z + bias. */
typedef struct { int isa, act; float *z, *pre; const float *bias; int rows, cols; } activation_job;
void activation_part(void *p, int part);
typedef struct {
    int isa; float *z; int rows, n; const int32_t *row_start; const int32_t *cols; const float *vals; const float *w;
} sparse_fwd_job;
void sparse_fwd_part(void *p, int part);
typedef struct {
    int isa; float *w; int features, n; const int32_t *col_start; const int32_t *row_index; const float *tvals;
    const float *d; float alpha, beta;
} sparse_grad_job;
void sparse_grad_part(void *p, int part);
typedef struct {
    float *z; const float *bias; const uint8_t *labels; int rows, classes; float *delta; double *row_loss; int correct[2];
} softmax_job;
void softmax_part(void *p, int part);
typedef struct { float *dst; const float *src; int rows, cols; } transpose_job;
void transpose_part(void *p, int part);
typedef struct { int isa; float *bias; const float *delta; int rows, cols; float alpha, beta; float *scratch; } bias_job;
void bias_part(void *p, int part);

#endif
