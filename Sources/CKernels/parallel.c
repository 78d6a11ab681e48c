/* Two-way fork/join for the hot loop on this 2-core machine. Every job is split at fixed points
   (rows, columns or pixels), and each part is computed by a one-thread kernel, so results do not
   depend on timing: the same inputs give the same bits. The worker spins briefly between jobs
   (steps come every few hundred microseconds) and then sleeps on a condition variable. */
#include "CKernels.h"
#include "internal.h"
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <stdatomic.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif


static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static _Atomic long generation = 0;
static _Atomic long finished = 0;
static _Atomic int sleeping = 0;
/* The last generation whose part 1 was taken, by the worker or by the caller itself. */
static _Atomic long claimed = 0;
static job_fn current_job;
static void *current_ctx;
static int worker_ok = 0;
static _Atomic int parallel_enabled = 1;

static void *worker(void *unused) {
    (void)unused;
    long seen = 0;
    for (;;) {
        long spins = 0;
        while (atomic_load(&generation) == seen) {
            if (++spins < 20000) { CPU_RELAX(); continue; }
            if (spins < 40000) { sched_yield(); continue; }
            pthread_mutex_lock(&lock);
            atomic_store(&sleeping, 1);
            while (atomic_load(&generation) == seen) pthread_cond_wait(&wake, &lock);
            atomic_store(&sleeping, 0);
            pthread_mutex_unlock(&lock);
        }
        seen = atomic_load(&generation);
        long expected = seen - 1;
        if (atomic_compare_exchange_strong(&claimed, &expected, seen)) {
            current_job(current_ctx, 1);
            atomic_store(&finished, seen);
        }
    }
    return 0;
}

static void start(void) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    worker_ok = pthread_create(&thread, &attr, worker, 0) == 0;
    pthread_attr_destroy(&attr);
}

void nn_set_parallel(int enabled) { parallel_enabled = enabled; }

/* Runs job(ctx, 0) here and job(ctx, 1) on the worker, and returns when both are done.
   Not reentrant: one caller thread at a time (callers serialise on the mutex-free protocol, so the
   trainer guards its use). */
static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;
/* Adaptivity (timing only, never results): when the other core is busy with another process, the
   worker is often not running when a job arrives, and waiting for it costs more than it saves. Out of
   every 64 jobs, if more than 16 found the worker absent or slow, the next 4096 jobs run serially. */
static int window_jobs = 0, window_misses = 0, serial_jobs = 0, window_judged = 0;

static long nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

void run2(job_fn job, void *ctx) {
    if (parallel_enabled) pthread_once(&once, start);
    if (!parallel_enabled || !worker_ok || pthread_mutex_trylock(&call_lock) != 0) {
        job(ctx, 0);
        job(ctx, 1);
        return;
    }
    if (serial_jobs > 0) {
        serial_jobs--;
        pthread_mutex_unlock(&call_lock);
        job(ctx, 0);
        job(ctx, 1);
        return;
    }
    current_job = job;
    current_ctx = ctx;
    long next = atomic_load(&generation) + 1;
    atomic_store(&generation, next);
    if (atomic_load(&sleeping)) {
        pthread_mutex_lock(&lock);
        pthread_cond_signal(&wake);
        pthread_mutex_unlock(&lock);
    }
    long started = nanoseconds();
    job(ctx, 0);
    /* If the worker has not picked part 1 up yet (descheduled on a busy machine), do it here:
       the split is the same, so are the results. Otherwise wait for it, yielding if it is slow.
       A worker that needed more than twice the caller's time was most likely descheduled: a miss.
       (Counting every wait as a miss sent whole runs serial when the halves were merely uneven.) */
    int missed = 0;
    long expected = next - 1;
    if (atomic_compare_exchange_strong(&claimed, &expected, next)) {
        job(ctx, 1);
        missed = 1;
    } else {
        long halfway = nanoseconds();
        for (long spins = 0; atomic_load(&finished) != next; spins++) {
            if (spins < 4000) CPU_RELAX(); else sched_yield();
        }
        missed = nanoseconds() - halfway > halfway - started + 20000;
    }
    window_misses += missed;
    if (++window_jobs == 64) {
        /* The first window is not judged: the worker thread has only just been created, and a
           process that scores one batch and exits would otherwise run it all on one core. */
        if (window_misses > 16 && window_judged) serial_jobs = 4096;
        window_judged = 1;
        window_jobs = 0;
        window_misses = 0;
    }
    pthread_mutex_unlock(&call_lock);
}

/* ---- jobs ---- */


/* Half of a product: columns [0, half) and [half, n) with half a multiple of 8, or rows [0, m/2) and
   [m/2, m). Either way every output element is one whole chain, computed on one thread. */
void gemm_part(void *p, int part) {
    gemm_job *g = p;
    if (g->split_n) {
        int half = (g->n / 2 + 7) & ~7;
        if (half > g->n) half = g->n;
        int n0 = part ? half : 0, n1 = part ? g->n : half;
        if (n1 <= n0) return;
        if (g->tb) nn_gemm_bt(g->isa, g->m, n1 - n0, g->k, g->alpha, g->a, g->lda, g->b + (long)n0 * g->ldb, g->ldb, g->beta, g->c + n0, g->ldc);
        else nn_gemm(g->isa, g->ta, g->m, n1 - n0, g->k, g->alpha, g->a, g->lda, g->b + n0, g->ldb, g->beta, g->c + n0, g->ldc);
    } else {
        int half = g->m / 2;
        int m0 = part ? half : 0, m1 = part ? g->m : half;
        if (m1 <= m0) return;
        const float *a = g->ta ? g->a + m0 : g->a + (long)m0 * g->lda;
        if (g->tb) nn_gemm_bt(g->isa, m1 - m0, g->n, g->k, g->alpha, a, g->lda, g->b, g->ldb, g->beta, g->c + (long)m0 * g->ldc, g->ldc);
        else nn_gemm(g->isa, g->ta, m1 - m0, g->n, g->k, g->alpha, a, g->lda, g->b, g->ldb, g->beta, g->c + (long)m0 * g->ldc, g->ldc);
    }
}

void nn_parallel_gemm(int isa, int split_columns, int transpose_a, int m, int n, int k, float alpha, const float *a,
                      int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    gemm_job g = {isa, transpose_a, m, n, k, lda, ldb, ldc, split_columns, alpha, beta, a, b, c};
    run2(gemm_part, &g);
}

float nn_internal_peak_run(int isa, long iterations, double *flops);
typedef struct { int isa; long iterations; double flops[2]; float sink[2]; } peak_job;
static void peak_part(void *p, int part) {
    peak_job *j = p;
    j->sink[part] = nn_internal_peak_run(j->isa, j->iterations, &j->flops[part]);
}
double nn_fma_peak(int isa, long iterations, int two_cores) {
    peak_job j = {isa, iterations, {0, 0}, {0, 0}};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (two_cores) run2(peak_part, &j); else peak_part(&j, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    volatile float sink = j.sink[0] + j.sink[1];
    (void)sink;
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return (j.flops[0] + j.flops[1]) / seconds;
}

void activation_part(void *p, int part) {
    activation_job *a = p;
    int half = a->rows / 2, r0 = part ? half : 0, r1 = part ? a->rows : half;
    if (r1 > r0) nn_bias_activation(a->isa, a->act, a->z + (long)r0 * a->cols, a->pre ? a->pre + (long)r0 * a->cols : 0,
                                     a->bias, r1 - r0, a->cols);
}
void sparse_fwd_part(void *p, int part) {
    sparse_fwd_job *s = p;
    int half = s->rows / 2, r0 = part ? half : 0, r1 = part ? s->rows : half;
    if (r1 > r0) nn_sparse_forward(s->isa, s->z + (long)r0 * s->n, r1 - r0, s->n, s->row_start + r0, s->cols, s->vals, s->w);
}

void sparse_grad_part(void *p, int part) {
    sparse_grad_job *s = p;
    /* Split the pixels so both halves hold about the same number of nonzeros. */
    long total = s->col_start[s->features];
    int half = 0;
    while (half < s->features && s->col_start[half] < total / 2) half++;
    int k0 = part ? half : 0, k1 = part ? s->features : half;
    if (k1 > k0) nn_sparse_weight_gradient(s->isa, s->w + (long)k0 * s->n, k1 - k0, s->n, s->col_start + k0, s->row_index,
                                           s->tvals, s->d, s->alpha, s->beta);
}
void nn_parallel_sparse_weight_gradient(int isa, float *w, int features, int n, const int32_t *col_start,
                                        const int32_t *row_index, const float *tvals, const float *d,
                                        float alpha, float beta) {
    sparse_grad_job s = {isa, w, features, n, col_start, row_index, tvals, d, alpha, beta};
    run2(sparse_grad_part, &s);
}

long nn_internal_sparse_rows(const uint8_t *images, const int32_t *indices, int rows, int features,
                             const float *table, int32_t *row_start, int32_t *cols, float *vals, int32_t *counts);
long nn_internal_sparse_rows_floats(const float *values, const int32_t *indices, int rows, int features,
                                    int32_t *row_start, int32_t *cols, float *vals, int32_t *counts);
void nn_internal_build_columns(int rows, int features, const int32_t *row_start, const int32_t *cols,
                               const float *vals, int32_t *col_start, int32_t *row_index, float *tvals);

typedef struct {
    const uint8_t *images; const float *values; const int32_t *indices; int rows, features; const float *table;
    int32_t *row_start, *cols; float *vals; int32_t *col_start, *scratch; long nnz[2];
} gather_job;
static void gather_part(void *p, int part) {
    gather_job *g = p;
    int half = g->rows / 2, r0 = part ? half : 0, r1 = part ? g->rows : half;
    long base = part ? (long)half * g->features : 0;
    /* Part 1 writes its row starts and counts to scratch; they are merged after the join. */
    int32_t *row_start = part ? g->scratch : g->row_start;
    int32_t *counts = part ? g->scratch + g->rows + 1 : g->col_start + 1;
    g->nnz[part] = g->values
        ? nn_internal_sparse_rows_floats(g->values, g->indices + r0, r1 - r0, g->features, row_start, g->cols + base,
                                         g->vals + base, counts)
        : nn_internal_sparse_rows(g->images, g->indices + r0, r1 - r0, g->features, g->table, row_start,
                                  g->cols + base, g->vals + base, counts);
}

static long sparse_gather(const uint8_t *images, const float *values, const int32_t *indices, int rows, int features,
                          const float *table, int32_t *row_start, int32_t *cols, float *vals,
                          int32_t *col_start, int32_t *row_index, float *tvals, int32_t *scratch);

long nn_parallel_sparse_gather(const uint8_t *images, const int32_t *indices, int rows, int features,
                               const float *table, int32_t *row_start, int32_t *cols, float *vals,
                               int32_t *col_start, int32_t *row_index, float *tvals, int32_t *scratch) {
    return sparse_gather(images, 0, indices, rows, features, table, row_start, cols, vals, col_start, row_index, tvals, scratch);
}

long nn_parallel_sparse_gather_floats(const float *values, const int32_t *indices, int rows, int features,
                                      int32_t *row_start, int32_t *cols, float *vals,
                                      int32_t *col_start, int32_t *row_index, float *tvals, int32_t *scratch) {
    return sparse_gather(0, values, indices, rows, features, 0, row_start, cols, vals, col_start, row_index, tvals, scratch);
}

static long sparse_gather(const uint8_t *images, const float *values, const int32_t *indices, int rows, int features,
                          const float *table, int32_t *row_start, int32_t *cols, float *vals,
                          int32_t *col_start, int32_t *row_index, float *tvals, int32_t *scratch) {
    gather_job g = {images, values, indices, rows, features, table, row_start, cols, vals, col_start, scratch, {0, 0}};
    run2(gather_part, &g);
    int half = rows / 2;
    long base = (long)half * features, n0 = g.nnz[0], n1 = g.nnz[1];
    if (n0 != base) {
        memmove(cols + n0, cols + base, (size_t)n1 * sizeof *cols);
        memmove(vals + n0, vals + base, (size_t)n1 * sizeof *vals);
    }
    for (int r = 0; r <= rows - half; r++) row_start[half + r] = (int32_t)(n0 + scratch[r]);
    const int32_t *counts1 = scratch + rows + 1;
    for (int k = 0; k < features; k++) col_start[k + 1] += counts1[k];
    if (row_index) nn_internal_build_columns(rows, features, row_start, cols, vals, col_start, row_index, tvals);
    return n0 + n1;
}

void nn_internal_index_rows(const int64_t *index_start, const uint16_t *index_cols, const uint8_t *index_bytes,
                            const float *table, const float *index_vals,
                            const int32_t *indices, int r0, int r1, int features, long base,
                            int32_t *row_start, int32_t *cols, float *vals, int32_t *counts);
void nn_internal_scatter_columns(int rows, int k0, int k1, const int32_t *row_start, const int32_t *cols,
                                 const float *vals, int32_t *cursor, int32_t *row_index, float *tvals);

typedef struct {
    const int64_t *index_start; const uint16_t *index_cols; const uint8_t *index_bytes; const float *table;
    const float *index_vals; const int32_t *indices;
    int rows, features, half, pixel_half; long base1;
    int32_t *row_start, *cols; float *vals; int32_t *row_index; float *tvals; int32_t *scratch;
} index_gather_job;
static void index_rows_part(void *p, int part) {
    index_gather_job *g = p;
    int r0 = part ? g->half : 0, r1 = part ? g->rows : g->half;
    nn_internal_index_rows(g->index_start, g->index_cols, g->index_bytes, g->table, g->index_vals, g->indices, r0, r1, g->features,
                           part ? g->base1 : 0, g->row_start, g->cols, g->vals, g->scratch + (long)part * g->features);
}
/* Split by pixels (both threads writing next to each other in every list would share cache lines). */
static void index_scatter_part(void *p, int part) {
    index_gather_job *g = p;
    int k0 = part ? g->pixel_half : 0, k1 = part ? g->features : g->pixel_half;
    if (k1 > k0) nn_internal_scatter_columns(g->rows, k0, k1, g->row_start, g->cols, g->vals, g->scratch + 2L * g->features,
                                             g->row_index, g->tvals);
}

long nn_parallel_index_gather(const int64_t *index_start, const uint16_t *index_cols, const uint8_t *index_bytes,
                              const float *table, const float *index_vals, const int32_t *indices, int rows, int features,
                              int32_t *row_start, int32_t *cols, float *vals,
                              int32_t *col_start, int32_t *row_index, float *tvals, int32_t *scratch) {
    int half = rows / 2;
    long base1 = 0, total = 0;
    for (int r = 0; r < rows; r++) {
        long len = index_start[indices[r] + 1] - index_start[indices[r]];
        if (r < half) base1 += len;
        total += len;
    }
    index_gather_job g = {index_start, index_cols, index_bytes, table, index_vals, indices, rows, features, half, 0, base1,
                          row_start, cols, vals, row_index, tvals, scratch};
    run2(index_rows_part, &g);
    row_start[rows] = (int32_t)total;
    /* Pixel k's list holds its rows in row order. */
    const int32_t *c0 = scratch, *c1 = scratch + features;
    int32_t *cursor = scratch + 2L * features;
    col_start[0] = 0;
    for (int k = 0; k < features; k++) {
        cursor[k] = col_start[k];
        col_start[k + 1] = col_start[k] + c0[k] + c1[k];
    }
    /* The same pixel split as nn_parallel_sparse_weight_gradient's, which reads these lists next. */
    int pixel_half = 0;
    while (pixel_half < features && col_start[pixel_half] < total / 2) pixel_half++;
    g.pixel_half = pixel_half;
    if (row_index) run2(index_scatter_part, &g);
    return total;
}

/* ---- two jobs with the same split in one fork/join: part p of the second needs only part p of the
   first (or nothing of it), so each thread goes on without waiting for the other ---- */

typedef struct { job_fn first; void *first_ctx; job_fn second; void *second_ctx; } chain_job;
static void chain_part(void *p, int part) {
    chain_job *c = p;
    c->first(c->first_ctx, part);
    c->second(c->second_ctx, part);
}


void nn_parallel_sparse_forward_sigmoid(int isa, float *z, int rows, int n, const int32_t *row_start,
                                        const int32_t *cols, const float *vals, const float *w, const float *bias) {
    sparse_fwd_job s = {isa, z, rows, n, row_start, cols, vals, w};
    activation_job g = {isa, NN_ACT_SIGMOID, z, 0, bias, rows, n};
    chain_job c = {sparse_fwd_part, &s, activation_part, &g};
    run2(chain_part, &c);
}

/* One row at a time so the caller can add the rows' losses in row order, as the serial kernel does. */
void softmax_part(void *p, int part) {
    softmax_job *s = p;
    int half = s->rows / 2, r0 = part ? half : 0, r1 = part ? s->rows : half, right = 0;
    for (int r = r0; r < r1; r++) {
        int c = 0;
        s->row_loss[r] = nn_softmax_loss(s->z + (long)r * s->classes, s->bias, s->labels + r, 1, s->classes,
                                         s->delta ? s->delta + (long)r * s->classes : 0, &c);
        right += c;
    }
    s->correct[part] = right;
}

/* W (rows x cols) transposed into WT, split by columns of W. */
void transpose_part(void *p, int part) {
    transpose_job *t = p;
    if (!t->dst) return;
    int half = t->cols / 2, c0 = part ? half : 0, c1 = part ? t->cols : half;
    nn_transpose_columns(t->dst, t->src, t->rows, t->cols, c0, c1);
}

/* Column sums of delta into bias, split by columns. */
void bias_part(void *p, int part) {
    bias_job *b = p;
    int half = b->cols / 2, c0 = part ? half : 0, c1 = part ? b->cols : half;
    if (c1 > c0) nn_bias_gradient(b->isa, b->bias + c0, b->delta + c0, b->rows, c1 - c0, b->cols, b->alpha, b->beta, b->scratch + c0);
}
