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
    public let patterns: [MetricPattern]
    public private(set) var currentStep = 0
    private var lastStepOfKey: [String: Int] = [:]

    public init(patterns: [MetricPattern] = []) {
        self.patterns = patterns
    }

    static func isStepKey(_ key: String) -> Bool {
        switch key.lowercased() {
        case "step", "global_step", "iter", "iteration": return true
        default: return false
        }
    }

    static func stepValue(_ value: Double) -> Int? {
        value >= 0 && value <= 9_007_199_254_740_992 && value.rounded() == value ? Int(value) : nil
    }

    /// Appends the points `line` carries to `points`.
    public mutating func consume(_ line: UnsafeBufferPointer<UInt8>, into points: inout [ParsedPoint]) {
        var step: Int?
        var metrics: [PairScanner.Pair] = []
        var first = 0
        while first < line.count, PairScanner.isBlank(line[first]) { first += 1 }
        if first < line.count, line[first] == 0x7B, let pairs = JSONLineScanner.scan(line) {
            for pair in pairs {
                if Self.isStepKey(pair.key) { step = Self.stepValue(pair.value) } else { metrics.append(pair) }
            }
        } else if first < line.count {
            let (pairs, isOnlyPairs) = PairScanner.scan(line)
            var pairStep: Int?
            for pair in pairs where Self.isStepKey(pair.key) { pairStep = Self.stepValue(pair.value) }
            if pairStep != nil || isOnlyPairs || pairs.count >= 2 {
                step = pairStep
                metrics = pairs.filter { !Self.isStepKey($0.key) }
            }
        }
        if !patterns.isEmpty {
            let text = String(decoding: line, as: UTF8.self)
            for pattern in patterns {
                let (patternStep, pairs) = pattern.matches(in: text)
                if let patternStep { step = patternStep }
                metrics += pairs
            }
        }
        record(step: step, metrics: metrics, into: &points)
    }

    private mutating func record(step: Int?, metrics: [PairScanner.Pair], into points: inout [ParsedPoint]) {
        var at: Int
        if let step {
            at = step
        } else {
            guard !metrics.isEmpty else { return }
            at = currentStep
            for pair in metrics {
                if let last = lastStepOfKey[pair.key], last >= at { at = last + 1 }
            }
        }
        currentStep = max(currentStep, at)
        for pair in metrics {
            points.append(ParsedPoint(key: pair.key, step: at, value: pair.value))
            lastStepOfKey[pair.key] = max(lastStepOfKey[pair.key] ?? at, at)
        }
    }
}
