/// One metric point read from a program's output.
public struct ParsedPoint: Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let step: Int
    public let value: Double

    public init(key: String, step: Int, value: Double) {
        self.key = key
        self.step = step
        self.value = value
    }

    public var description: String { "\(key)@\(step)=\(value)" }
}

/// Turns lines of a program's output into metric points, with no change to the program:
///
/// - the seed's `step: N, KEY: VALUE, …`, and `KEY=VALUE` / `KEY: VALUE` pairs on a line that
///   carries a step (`step`, `global_step`, `iter` or `iteration`);
/// - JSON lines such as `{"step": 3, "loss": 0.5}` (numbers at the top level);
/// - without a step, a line made only of pairs (`loss=0.25 acc=0.9`), or of `Words: VALUE` alone
///   (`Test Accuracy: 0.9368`, key `test_accuracy`), or with at least two pairs among other words
///   (Keras' `1875/1875 - 3s - loss: 0.29 - accuracy: 0.91`); one pair among words (`Downloading
///   file: 50 MB`) is not a metric;
/// - whatever the `MetricPattern`s given match.
///
/// A line without a step gets the current step (the highest seen so far), or the next one after
/// its metrics' latest points when one of them has a point there already: a shell loop printing
/// `loss=…` gives steps 0, 1, 2…, and the seed's final `Test Accuracy` lands on its last step.
/// Values that are not finite numbers are skipped.
public struct MetricExtractor {
    /// A metric name seen before: its bytes (to find it again without making a String), whether it
    /// names the step, and the step of its latest point.
    private struct Key {
        let bytes: [UInt8]
        let name: String
        let isStep: Bool
        var lastStep: Int?
    }

    public let patterns: [MetricPattern]
    public private(set) var currentStep = 0
    private var keys: [Key] = []
    private var indexOfName: [String: Int] = [:]  // beyond the first few keys
    /// Distinct metric names kept at most: output full of random `x=1` words cannot grow memory (or
    /// the store's key table) without bound.
    public static let maxKeys = 10_000

    public init(patterns: [MetricPattern] = []) {
        self.patterns = patterns
    }

    static func isStepKey(_ key: String) -> Bool {
        guard [4, 8, 9, 11].contains(key.utf8.count) else { return false }  // before lowercasing
        switch key.lowercased() {
        case "step", "global_step", "iter", "iteration": return true
        default: return false
        }
    }

    static func stepValue(_ value: Double) -> Int? {
        value >= 0 && value <= 9_007_199_254_740_992 && value.rounded() == value ? Int(value) : nil
    }

    /// The index of a key given as bytes of `line`, added on first sight (nil past `maxKeys`).
    private mutating func keyIndex(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        for index in keys.indices.prefix(16) where keys[index].bytes.elementsEqual(bytes) { return index }
        return keyIndex(String(decoding: bytes, as: UTF8.self))
    }

    private mutating func keyIndex(_ name: String) -> Int? {
        if let index = indexOfName[name] { return index }
        guard keys.count < Self.maxKeys else { return nil }
        keys.append(Key(bytes: Array(name.utf8), name: name, isStep: Self.isStepKey(name)))
        indexOfName[name] = keys.count - 1
        return keys.count - 1
    }

    /// Appends the points `line` carries to `points`.
    public mutating func consume(_ line: UnsafeBufferPointer<UInt8>, into points: inout [ParsedPoint]) {
        var step: Int?
        var metrics: [(key: Int, value: Double)] = []
        var first = 0
        while first < line.count, PairScanner.isBlank(line[first]) { first += 1 }
        guard first < line.count else { return }
        if line[first] == 0x7B, let pairs = JSONLineScanner.scan(line) {
            for pair in pairs { take(pair, in: line, step: &step, metrics: &metrics) }
        } else {
            let (pairs, isOnlyPairs) = PairScanner.scan(line)
            if !pairs.isEmpty {
                var lineStep: Int?
                var lineMetrics: [(key: Int, value: Double)] = []
                for pair in pairs { take(pair, in: line, step: &lineStep, metrics: &lineMetrics) }
                if lineStep != nil || isOnlyPairs || pairs.count >= 2 {
                    step = lineStep
                    metrics = lineMetrics
                }
            }
        }
        if !patterns.isEmpty {
            let text = String(decoding: line, as: UTF8.self)
            for pattern in patterns {
                let (patternStep, pairs) = pattern.matches(in: text)
                if let patternStep { step = patternStep }
                for pair in pairs { take(pair, in: line, step: &step, metrics: &metrics) }
            }
        }
        record(step: step, metrics: metrics, into: &points)
    }

    /// Files a pair as the line's step or as one of its metrics.
    private mutating func take(
        _ pair: PairScanner.Pair, in line: UnsafeBufferPointer<UInt8>, step: inout Int?, metrics: inout [(key: Int, value: Double)]
    ) {
        let found: Int?
        switch pair.key {
        case .bytes(let range): found = keyIndex(UnsafeBufferPointer(rebasing: line[range]))
        case .text(let name): found = keyIndex(name)
        }
        guard let index = found else { return }
        if keys[index].isStep {
            if let value = Self.stepValue(pair.value) { step = value }
        } else {
            metrics.append((index, pair.value))
        }
    }

    private mutating func record(step: Int?, metrics: [(key: Int, value: Double)], into points: inout [ParsedPoint]) {
        var at: Int
        if let step {
            at = step
        } else {
            guard !metrics.isEmpty else { return }
            at = currentStep
            for metric in metrics {
                if let last = keys[metric.key].lastStep, last >= at { at = last + 1 }
            }
        }
        currentStep = max(currentStep, at)
        for metric in metrics {
            points.append(ParsedPoint(key: keys[metric.key].name, step: at, value: metric.value))
            keys[metric.key].lastStep = max(keys[metric.key].lastStep ?? at, at)
        }
    }
}
