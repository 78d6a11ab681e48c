/// One way to read a checkpoint reference. The grammar:
///
/// - `RUN` — a run by id or name (its latest checkpoint); `RUN@STEP` — its checkpoint at STEP.
/// - `MODEL@ALIAS` — the version an alias points at (`MODEL@latest`: the highest version);
///   `MODEL:vN` — version N.
/// - MLflow's URIs: `models:/MODEL@ALIAS`, `models:/MODEL/N`, `models:/MODEL/latest`.
///
/// Aliases start with a letter, so `x@500` is always a step. A text can have several readings (a
/// run may be called `m:v1`); `Store.resolve(_:)` refuses a text that names something under two.
public enum ReferenceReading: Sendable, Equatable, Hashable, CustomStringConvertible {
    case run(String, step: Int?)
    case modelAlias(String, alias: String)
    case modelVersion(String, version: Int)

    /// The alias that always means a model's highest version; it cannot be set.
    public static let latestAlias = "latest"

    public var description: String {
        switch self {
        case .run(let run, nil): return "run '\(run)' (its latest checkpoint)"
        case .run(let run, let step?): return "run '\(run)' at step \(step)"
        case .modelAlias(let model, let alias): return "model '\(model)' alias @\(alias)"
        case .modelVersion(let model, let version): return "model '\(model)' version \(version)"
        }
    }

    /// Every syntactic reading of `text`, run readings first. Throws `ReferenceSyntaxError` for a
    /// text that cannot be a reference at all (empty, `x@`, `a@b@c`, a malformed `models:/` URI).
    public static func readings(of text: String) throws -> [ReferenceReading] {
        let hint = "use RUN, RUN@STEP, MODEL@ALIAS, MODEL:vN, models:/MODEL@ALIAS or models:/MODEL/N"
        guard !text.isEmpty else { throw ReferenceSyntaxError("an empty reference; \(hint)") }
        if text.hasPrefix("models:/") {
            let path = text.dropFirst("models:/".count)
            if let at = path.firstIndex(of: "@"), !path.contains("/") {
                let model = String(path[..<at]), alias = String(path[path.index(after: at)...])
                if isModelName(model), isAlias(alias) || alias == latestAlias { return [.modelAlias(model, alias: alias)] }
            } else if let slash = path.firstIndex(of: "/") {
                let model = String(path[..<slash]), tail = String(path[path.index(after: slash)...])
                if isModelName(model), let version = Int(tail), version >= 1 { return [.modelVersion(model, version: version)] }
                if isModelName(model), tail == latestAlias { return [.modelAlias(model, alias: latestAlias)] }
            }
            throw ReferenceSyntaxError("'\(text)' is not a model URI; use models:/MODEL@ALIAS or models:/MODEL/N")
        }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty, parts.last?.isEmpty == false else {
            throw ReferenceSyntaxError("'\(text)' is not a reference; \(hint)")
        }
        var readings: [ReferenceReading] = [.run(text, step: nil)]
        if parts.count == 2 {
            let left = String(parts[0]), right = String(parts[1])
            if right.allSatisfy(\.isASCII) && right.allSatisfy(\.isNumber) {
                guard let step = Int(right) else { throw ReferenceSyntaxError("'\(right)' in '\(text)' is not a step") }
                readings.append(.run(left, step: step))
            } else if isModelName(left), isAlias(right) || right == latestAlias {
                readings.append(.modelAlias(left, alias: right))
            }
        }
        if let colon = text.lastIndex(of: ":"), text[text.index(after: colon)...].first == "v",
           let version = Int(text[text.index(colon, offsetBy: 2)...]), version >= 1 {
            let model = String(text[..<colon])
            if isModelName(model) { readings.append(.modelVersion(model, version: version)) }
        }
        return readings
    }

    /// Model names: 1–200 characters of letters, digits, `.`, `_` and `-`, starting with a letter or digit, not only digits.
    public static func isModelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 200,
              !name.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return isASCIIAlphanumeric(first) && name.unicodeScalars.allSatisfy { isASCIIAlphanumeric($0) || "._-".unicodeScalars.contains($0) }
    }

    /// Aliases: 1–100 characters of letters, digits, `_` and `-`, starting with a letter; not `latest`.
    public static func isAlias(_ alias: String) -> Bool {
        guard let first = alias.unicodeScalars.first, alias.unicodeScalars.count <= 100, alias != latestAlias,
              ("a"..."z").contains(first) || ("A"..."Z").contains(first) else { return false }
        return alias.unicodeScalars.allSatisfy { isASCIIAlphanumeric($0) || $0 == "_" || $0 == "-" }
    }

    private static func isASCIIAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }
}

/// A reference that no store could resolve: its text is malformed.
public struct ReferenceSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    /// Makes a `ReferenceSyntaxError` from its parts.
    public init(_ description: String) { self.description = description }
}
