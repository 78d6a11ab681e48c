import CBLAS
import Foundation

/// Row-major `cblas_sgemm` with a deliberate thread count per call.
///
/// Thread counts are fixed per GEMM shape (never "whatever the machine has"): OpenBLAS splits the
/// output among threads without splitting the K sum, so each element is summed in the same order
/// whatever the count, and a fixed count makes runs bit-identical on a machine.
enum BLAS {
    /// Threads for GEMMs whose output has at least `wideColumns` columns; narrow (class-sized)
    /// products stay on one thread, where they are fastest.
    /// NNREG_BLAS_THREADS (1 or 2) overrides the choice, for measurements.
    nonisolated(unsafe) static var wideThreads: Int32 = {
        if let value = getenv("NNREG_BLAS_THREADS").flatMap({ Int32(String(cString: $0)) }), (1...64).contains(value) {
            return value
        }
        return 2
    }()
    static let wideColumns = 32
    nonisolated(unsafe) private static var current: Int32 = -1

    @inline(__always)
    static func setThreads(_ n: Int32) {
        if n != current {
            openblas_set_num_threads(n)
            current = n
        }
    }

    /// C = alpha * op(A) * op(B) + beta * C, C is m x n.
    @inline(__always)
    static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                     c: UnsafeMutablePointer<Float>, ldc: Int) {
        setThreads(n >= wideColumns && m >= wideColumns ? wideThreads : 1)
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}
