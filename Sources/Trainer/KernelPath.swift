import CKernels
import Foundation

/// Which implementation of nnreg's kernels runs: all compute the same bits (CKernels.h defines the
/// order of every sum), so the choice changes only the speed. The fastest one this CPU supports is
/// taken unless `NNREG_ISA=reference|avx2|avx512` asks for another.
public enum KernelPath: String, Sendable, CaseIterable {
    /// Portable scalar C with `fmaf`: the definition of the bits.
    case reference
    /// AVX2 with FMA3 (x86-64-v3).
    case avx2
    /// AVX-512F.
    case avx512
    /// The AVX-512 tile shape compiled for AVX2, for tests on machines without AVX-512.
    case avx512ShapeOnAVX2 = "avx512-shape-on-avx2"

    var isa: Int32 {
        switch self {
        case .reference: Int32(NN_ISA_REFERENCE)
        case .avx2: Int32(NN_ISA_AVX2)
        case .avx512: Int32(NN_ISA_AVX512)
        case .avx512ShapeOnAVX2: Int32(NN_ISA_AVX512_SHAPE_ON_AVX2)
        }
    }

    /// Whether this CPU and OS can run the path.
    public var isSupported: Bool { nn_isa_supported(isa) != 0 }

    /// The paths NNREG_ISA may name that this machine runs, reference first.
    public static var supported: [KernelPath] { [.reference, .avx2, .avx512].filter(\.isSupported) }

    /// The fastest supported path.
    public static var best: KernelPath {
        switch Int(nn_isa_best()) {
        case Int(NN_ISA_AVX512): .avx512
        case Int(NN_ISA_AVX2): .avx2
        default: .reference
        }
    }

    /// The path named by NNREG_ISA, or the best one when it is unset or empty. Throws
    /// `TrainerError.unsupportedKernelPath` when it names a path this CPU lacks or no path at all.
    public static func fromEnvironment() throws -> KernelPath {
        try named(ProcessInfo.processInfo.environment["NNREG_ISA"])
    }

    /// The path an NNREG_ISA value names (nil or empty: the best one).
    static func named(_ value: String?) throws -> KernelPath {
        guard let value, !value.isEmpty else { return best }
        guard let path = KernelPath(rawValue: value), path != .avx512ShapeOnAVX2, path.isSupported else {
            throw TrainerError.unsupportedKernelPath(requested: value, supported: supported.map(\.rawValue))
        }
        return path
    }

    /// The process's path, read from the environment once. Also applies NNREG_PARALLEL=0 (one core,
    /// the same bits). Trainers check NNREG_ISA themselves and throw; code that cannot throw
    /// (evaluation) ends the process with the same one-line error.
    static let configured: KernelPath = {
        let parallel = ProcessInfo.processInfo.environment["NNREG_PARALLEL"].map { $0 != "0" } ?? true
        nn_set_parallel(parallel ? 1 : 0)
        do {
            return try fromEnvironment()
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            exit(1)
        }
    }()

    /// Whether each product is split across two cores (the same bits either way); on unless
    /// NNREG_PARALLEL=0. A server whose requests already keep both cores busy turns it off.
    public static func setUsesTwoCores(_ enabled: Bool) {
        _ = configured
        nn_set_parallel(enabled ? 1 : 0)
    }

    /// `configured`, or the error a trainer throws for a bad NNREG_ISA.
    static func checked() throws -> KernelPath {
        _ = try fromEnvironment()
        return configured
    }
}
