/// A user's regular expression (`nnreg track --metric-pattern`) with named groups: `step` for the
/// step, `key` and `value` for a metric named by the text, or any other name for a metric of that
/// name (`loss=(?P<loss>[0-9.]+)`). Python's `(?P<name>…)` and Swift's `(?<name>…)` both work.
public struct MetricPattern {
    public let source: String
    let regex: Regex<AnyRegexOutput>
    let metricGroups: [String]
    let hasStep: Bool
    let hasKeyValue: Bool

    public init(_ source: String) throws(MetricPatternError) {
        do {
            regex = try Regex(source)
        } catch {
            throw .doesNotCompile(pattern: source, reason: "\(error)")
        }
        let names = Self.groupNames(in: source)
        hasStep = names.contains("step")
        hasKeyValue = names.contains("key") && names.contains("value")
        if names.contains("key") != names.contains("value") {
            throw .keyWithoutValue(pattern: source)
        }
        metricGroups = names.filter { !["step", "key", "value"].contains($0) }
        guard hasKeyValue || !metricGroups.isEmpty else { throw .noMetricGroup(pattern: source) }
        self.source = source
    }

    /// Names of `(?P<name>` and `(?<name>` groups, in order of appearance.
    static func groupNames(in source: String) -> [String] {
        var names: [String] = []
        var rest = Substring(source)
        while let open = rest.firstRange(of: "(?") {
            rest = rest[open.upperBound...]
            if rest.hasPrefix("P<") { rest = rest.dropFirst(2) } else if rest.hasPrefix("<"), !rest.hasPrefix("<="), !rest.hasPrefix("<!") {
                rest = rest.dropFirst()
            } else {
                continue
            }
            guard let close = rest.firstIndex(of: ">") else { break }
            names.append(String(rest[..<close]))
            rest = rest[close...]
        }
        return names
    }

    /// The step and metrics of every match in `line`.
    func matches(in line: String) -> (step: Int?, pairs: [PairScanner.Pair]) {
        var step: Int?
        var pairs: [PairScanner.Pair] = []
        for match in line.matches(of: regex) {
            let output = match.output
            if hasStep, let text = output["step"]?.substring, let value = Int(text.trimmingBlanks) { step = value }
            if hasKeyValue, let key = output["key"]?.substring, let text = output["value"]?.substring,
               let value = Double(text.trimmingBlanks), value.isFinite, !key.isEmpty {
                pairs.append(.init(key: .text(String(key)), value: value))
            }
            for name in metricGroups {
                if let text = output[name]?.substring, let value = Double(text.trimmingBlanks), value.isFinite {
                    pairs.append(.init(key: .text(name), value: value))
                }
            }
        }
        return (step, pairs)
    }
}

/// Why a `--metric-pattern` cannot be used.
public enum MetricPatternError: Error, CustomStringConvertible, Equatable {
    case doesNotCompile(pattern: String, reason: String)
    case keyWithoutValue(pattern: String)
    case noMetricGroup(pattern: String)

    public var description: String {
        switch self {
        case .doesNotCompile(let pattern, let reason):
            return "--metric-pattern '\(pattern)' is not a valid regular expression: \(reason)"
        case .keyWithoutValue(let pattern):
            return "--metric-pattern '\(pattern)' names a 'key' group without a 'value' group (or the reverse); use both, e.g. (?P<key>\\w+)=(?P<value>[-0-9.e]+)"
        case .noMetricGroup(let pattern):
            return "--metric-pattern '\(pattern)' has no named group for a metric; name one after the metric, e.g. loss=(?P<loss>[-0-9.e]+)"
        }
    }
}

extension Substring {
    var trimmingBlanks: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
