extension Normalization {
    /// The mean and standard deviation of every feature of `split`, summed in double in row order
    /// (the same bits everywhere); a feature that never varies gets scale 1.
    public init(fitting split: Split) {
        let (n, f, values) = (split.count, split.features, split.floatValues)
        var sum = [Double](repeating: 0, count: f), squares = [Double](repeating: 0, count: f)
        for r in 0..<n { for j in 0..<f { sum[j] += Double(values[r * f + j]) } }
        let mean = sum.map { n == 0 ? 0 : $0 / Double(n) }
        for r in 0..<n {
            for j in 0..<f {
                let d = Double(values[r * f + j]) - mean[j]
                squares[j] += d * d
            }
        }
        let scale = squares.map { n == 0 ? 1 : Float(($0 / Double(n)).squareRoot()) }
        self.init(mean: mean.map { Float($0) }, scale: scale.map { $0 > 0 && $0.isFinite ? $0 : 1 })
    }

    /// `split` with every feature x replaced by (x − mean) / scale, in Float.
    public func apply(to split: Split) -> Split {
        precondition(split.features == mean.count, "normalization of \(mean.count) features applied to \(split.features)")
        let f = split.features
        var out = split.floatValues
        for i in out.indices { out[i] = (out[i] - mean[i % f]) / scale[i % f] }
        return Split(count: split.count, features: f, floats: out, labels: split.labels)
    }
}

extension Split {
    /// Every feature as the network sees it (bytes scaled to 0…1), row-major.
    var floatValues: [Float] {
        switch values {
        case .bytes(let bytes): bytes.map { Workspace.pixelTable[Int($0)] }
        case .floats(let floats): floats
        }
    }

    /// The examples held out for validation and the rest, both in their original order: `count`
    /// indices chosen by a partial Fisher–Yates shuffle from a generator of `seed` (not the run's
    /// generator, so holding out changes nothing else).
    func holdingOut(_ count: Int, seed: UInt64) -> (training: Split, validation: Split?) {
        guard count > 0 else { return (self, nil) }
        var generator = Generator(seed: seed ^ 0x7661_6C69_6461_7465)
        var order = Array(0..<self.count)
        for i in 0..<count {
            let j = i + Int(generator.next(below: UInt64(self.count - i)))
            order.swapAt(i, j)
        }
        let held = order[0..<count].sorted()
        var isHeld = [Bool](repeating: false, count: self.count)
        for i in held { isHeld[i] = true }
        let kept = (0..<self.count).filter { !isHeld[$0] }
        return (subset(kept), subset(held))
    }
}
