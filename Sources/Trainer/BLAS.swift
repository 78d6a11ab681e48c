import CBLAS
import CKernels
import Foundation

/// Row-major SGEMM, always on one OpenBLAS thread.
///
/// Both cores are used by our own fork/join (CKernels' `nn_parallel_*`): each large product is
/// split at a fixed row or column boundary and each half is a one-thread OpenBLAS call, so every
/// output element is summed in the same order on every run: results are bit-identical run to run.
/// Measured here, OpenBLAS's own two threads were slower than one thread for this workload whenever
/// the other core had any other work (its worker spins and sched_yields), BLIS (OpenMP build) was
/// no faster on one thread and pathological on two, and the N=10 shapes are fastest on one thread.
/// Our split keeps OpenBLAS single-threaded and falls back to running both halves on the caller
/// when the other core is busy. NNREG_PARALLEL=0 forces one core (same bits).
enum BLAS {
    /// Sets OpenBLAS to one thread and reads NNREG_PARALLEL; evaluated once.
    static let configured: Bool = {
        openblas_set_num_threads(1)
        let parallel = getenv("NNREG_PARALLEL").map { String(cString: $0) != "0" } ?? true
        nn_set_parallel(parallel ? 1 : 0)
        return parallel
    }()

    /// C = alpha * op(A) * op(B) + beta * C, C is m x n; on the calling thread.
    @inline(__always)
    static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                     c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}
