/// A JSON value as the safetensors header holds it. Objects keep their members in file order, and
/// numbers keep their literal text, so that the decoder can tell `2` from `2.0` or `1e0` and can
/// refuse an integer too large for `Int` instead of rounding it through a `Double`.
enum JSONValue {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The JSON kind, for messages: "tensor X: shape is a string, expected an array".
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The value of an integer literal (`-?[0-9]+`, no fraction or exponent) that fits in `Int`;
    /// nil for any other value.
    var integer: Int? {
        guard case .number(let literal) = self,
              !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        return Int(literal)
    }
}
