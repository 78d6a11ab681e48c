import CKernels

/// Which arithmetic computed a run's weights, recorded in every trainer state: the same arithmetic
/// and the same state continue to the same bits on any machine; another one would not.
public struct Arithmetic: RawRepresentable, Sendable, Equatable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// States of version 1 and 2: OpenBLAS's SGEMM, whose summation order depended on the CPU.
    public static let openBLAS = Arithmetic(rawValue: 1)
    /// nnreg's own kernels: every sum in one fixed order of fused multiply-adds (CKernels.h), the same
    /// bits on the reference, AVX2 and AVX-512 paths and on any core count.
    public static let fixedOrderFMA = Arithmetic(rawValue: UInt32(NN_ARITHMETIC))
    /// What this build computes.
    public static let current = fixedOrderFMA

    public var description: String {
        switch self {
        case .openBLAS: "1 (OpenBLAS, CPU-dependent order)"
        case .fixedOrderFMA: "\(rawValue) (nnreg fixed-order FMA kernels)"
        default: "\(rawValue) (unknown to this nnreg)"
        }
    }
}
