import CKernels

/// The one random generator of a run: xoshiro256** (Blackman and Vigna) whose 256-bit state is
/// filled from the seed by SplitMix64. Its state is four words, saved and restored exactly.
struct Generator: Equatable {
    private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Restores a saved state; nil for the all-zero state, from which xoshiro never leaves.
    init?(state: (UInt64, UInt64, UInt64, UInt64)) {
        guard state.0 | state.1 | state.2 | state.3 != 0 else { return nil }
        self.state = state
    }

    static func == (a: Generator, b: Generator) -> Bool {
        a.state.0 == b.state.0 && a.state.1 == b.state.1 && a.state.2 == b.state.2 && a.state.3 == b.state.3
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// Uniform in 0..<bound without modulo bias (Lemire's multiply-and-reject).
    @inline(__always)
    mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }

    /// Uniform in (0, 1] with 53 random bits.
    mutating func nextUnitInterval() -> Double {
        Double((next() >> 11) + 1) * 0x1p-53
    }

    /// Fills `values` with N(0, stddev²) draws by the Box–Muller transform (both outputs used), with
    /// nnreg's own log, cos and sin (`nn_normal_pair`), so the draws are the same bits with any C library.
    mutating func fillNormal(_ values: inout [Float], stddev: Float) {
        var i = 0
        while i < values.count {
            let u1 = nextUnitInterval(), u2 = nextUnitInterval()
            var z0 = 0.0, z1 = 0.0
            nn_normal_pair(u1, u2, &z0, &z1)
            values[i] = Float(z0) * stddev
            if i + 1 < values.count { values[i + 1] = Float(z1) * stddev }
            i += 2
        }
    }
}
