import Foundation

/// What one swept parameter may take: a list of values, or a range of reals or integers searched
/// uniformly or on a log scale.
public enum ParameterDomain: Sendable, Equatable, Codable {
    case choice([String])
    case real(low: Double, high: Double, isLog: Bool)
    case integer(low: Int, high: Int, isLog: Bool)

    /// A domain as written after `NAME=`: `a,b,c`, `LOW..HIGH`, `log:LOW..HIGH`, `int:LOW..HIGH`,
    /// `intlog:LOW..HIGH`. A single value (`relu`, `0.01`) is a one-value choice: a fixed setting.
    public init(parsing text: String) throws(SearchSpaceError) {
        let (kind, range): (String, String) = {
            for prefix in ["log:", "int:", "intlog:", "lin:"] where text.hasPrefix(prefix) {
                return (String(prefix.dropLast()), String(text.dropFirst(prefix.count)))
            }
            return ("", text)
        }()
        let bounds = range.components(separatedBy: "..")
        guard bounds.count == 2 else {
            guard kind.isEmpty else { throw .malformed(text, "expected LOW..HIGH after '\(kind):'") }
            let values = text.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard !values.contains(where: \.isEmpty) else { throw .malformed(text, "a value in the list is empty") }
            guard Set(values).count == values.count else { throw .malformed(text, "a value is listed twice") }
            self = .choice(values)
            return
        }
        let (lowText, highText) = (bounds[0].trimmingCharacters(in: .whitespaces), bounds[1].trimmingCharacters(in: .whitespaces))
        switch kind {
        case "int", "intlog":
            guard let low = Int(lowText), let high = Int(highText) else { throw .malformed(text, "bounds must be integers") }
            guard low < high else { throw .malformed(text, "LOW must be below HIGH") }
            guard kind == "int" || low >= 1 else { throw .malformed(text, "a log range needs LOW ≥ 1") }
            self = .integer(low: low, high: high, isLog: kind == "intlog")
        default:
            guard let low = Double(lowText), let high = Double(highText), low.isFinite, high.isFinite else {
                throw .malformed(text, "bounds must be numbers")
            }
            guard low < high else { throw .malformed(text, "LOW must be below HIGH") }
            guard kind != "log" || low > 0 else { throw .malformed(text, "a log range needs LOW > 0") }
            self = .real(low: low, high: high, isLog: kind == "log")
        }
    }

    /// Whether the domain holds one value only (a setting every trial shares).
    public var isFixed: Bool {
        if case .choice(let values) = self { return values.count == 1 }
        return false
    }

    public var description: String {
        switch self {
        case .choice(let values): return values.joined(separator: ",")
        case .real(let low, let high, let isLog): return "\(isLog ? "log:" : "")\(Self.text(low))..\(Self.text(high))"
        case .integer(let low, let high, let isLog): return "\(isLog ? "intlog" : "int"):\(low)..\(high)"
        }
    }

    /// A real as a trial's option value: six significant digits, written the shortest way.
    public static func text(_ value: Double) -> String {
        let rounded = Double(String(format: "%.6g", value)) ?? value
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return "\(rounded)"
    }

    // MARK: The unit interval, where the samplers work

    /// `u` in [0, 1] mapped onto the domain (not for choices).
    func value(atUnit u: Double) -> String {
        switch self {
        case .choice(let values): return values[min(values.count - 1, Int(u * Double(values.count)))]
        case .real(let low, let high, let isLog):
            return Self.text(isLog ? exp(log(low) + u * (log(high) - log(low))) : low + u * (high - low))
        case .integer(let low, let high, let isLog):
            // Each integer owns an equal share of [low − ½, high + ½] (of its log for a log range).
            let (a, b) = isLog ? (log(Double(low) - 0.5), log(Double(high) + 0.5)) : (Double(low) - 0.5, Double(high) + 0.5)
            let x = a + u * (b - a)
            let raw = isLog ? exp(x) : x
            return String(min(high, max(low, Int(raw.rounded()))))
        }
    }

    /// A value's place in [0, 1] (the inverse of `value(atUnit:)`), or nil when it is not one of the domain's.
    func unit(of text: String) -> Double? {
        switch self {
        case .choice(let values):
            guard let index = values.firstIndex(of: text) else { return nil }
            return (Double(index) + 0.5) / Double(values.count)
        case .real(let low, let high, let isLog):
            guard let value = Double(text), value >= low, value <= high else { return nil }
            return isLog ? (log(value) - log(low)) / (log(high) - log(low)) : (value - low) / (high - low)
        case .integer(let low, let high, let isLog):
            guard let value = Int(text), value >= low, value <= high else { return nil }
            let (a, b) = isLog ? (log(Double(low) - 0.5), log(Double(high) + 0.5)) : (Double(low) - 0.5, Double(high) + 0.5)
            let x = isLog ? log(Double(value)) : Double(value)
            return (x - a) / (b - a)
        }
    }
}

/// One swept setting: `learning-rate=log:1e-4..1`.
public struct Parameter: Sendable, Equatable, Codable {
    public let name: String
    public let domain: ParameterDomain

    public init(name: String, domain: ParameterDomain) {
        self.name = name
        self.domain = domain
    }

    /// `NAME=DOMAIN` as `--param` takes it.
    public init(parsing text: String) throws(SearchSpaceError) {
        guard let equals = text.firstIndex(of: "=") else { throw .malformed(text, "expected NAME=VALUES") }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw .malformed(text, "a name is letters, digits, '-' and '_'")
        }
        self.init(name: name, domain: try ParameterDomain(parsing: String(text[text.index(after: equals)...])))
    }

    public var description: String { "\(name)=\(domain.description)" }
}

/// The parameters a sweep searches, in the order given.
public struct SearchSpace: Sendable, Equatable, Codable {
    public let parameters: [Parameter]

    public init(_ parameters: [Parameter]) throws(SearchSpaceError) {
        var seen = Set<String>()
        for parameter in parameters where !seen.insert(parameter.name).inserted { throw .repeated(parameter.name) }
        self.parameters = parameters
    }

    public init(parsing specs: [String]) throws(SearchSpaceError) {
        var parameters: [Parameter] = []
        for spec in specs { parameters.append(try Parameter(parsing: spec)) }
        try self.init(parameters)
    }
}

/// One trial's settings: each parameter's value as its option takes it.
public typealias Assignment = [String: String]

public enum SearchSpaceError: Error, Equatable, CustomStringConvertible {
    case malformed(String, String)
    case repeated(String)
    case gridNeedsPoints(String)

    public var description: String {
        switch self {
        case .malformed(let text, let reason):
            return "--param '\(text)': \(reason) (write NAME=a,b,c, NAME=LOW..HIGH, NAME=log:LOW..HIGH, NAME=int:LOW..HIGH or NAME=intlog:LOW..HIGH)"
        case .repeated(let name): return "--param \(name) is given twice; give each parameter once"
        case .gridNeedsPoints(let name): return "--method grid needs --grid-points N ≥ 1 to search the range of \(name)"
        }
    }
}
