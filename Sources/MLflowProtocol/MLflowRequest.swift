import Foundation

/// The fields of one API call: the JSON body's members, or for a GET the query string's parameters
/// (a repeated parameter is a list). Accessors read them as MLflow's protobuf JSON allows: an int64
/// as a number or a string of digits, a double as a number or `"NaN"`, `"Infinity"`, `"-Infinity"`.
struct MLflowRequest {
    let fields: [String: Any]

    init(fields: [String: Any]) { self.fields = fields }

    /// The members of an object nested in a request, read with the same accessors.
    init(object: JSONObject) {
        var fields: [String: Any] = [:]
        for (name, value) in object.members { fields[name] = value }
        self.fields = fields
    }

    /// Parses a JSON object body; anything else is INVALID_PARAMETER_VALUE. An empty body is `{}`.
    init(body: [UInt8], query: [(String, String)]) throws {
        var fields: [String: Any] = [:]
        for (name, value) in query {
            if let existing = fields[name] {
                fields[name] = (existing as? [String] ?? [existing as? String ?? ""]) + [value]
            } else {
                fields[name] = value
            }
        }
        if body.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
            let parsed = try JSONReader.parse(body)
            guard let object = parsed as? JSONObject else { throw MLflowError.invalid("The request body must be a JSON object.") }
            for (name, value) in object.members { fields[name] = value }
        }
        self.fields = fields
    }

    func has(_ name: String) -> Bool { fields[name] != nil && !(fields[name] is JSONNull) }

    func optionalString(_ name: String) throws -> String? {
        guard let value = fields[name], !(value is JSONNull) else { return nil }
        if let text = value as? String { return text }
        if let number = value as? JSONNumber { return number.text }
        throw MLflowError.invalid("Field '\(name)' must be a string.")
    }

    func string(_ name: String) throws -> String {
        guard let text = try optionalString(name), !text.isEmpty else {
            throw MLflowError.invalid("Missing value for required parameter '\(name)'.")
        }
        return text
    }

    /// The first of several names that is present (MLflow sends `run_id` and the older `run_uuid`).
    func string(_ names: String...) throws -> String {
        for name in names { if let text = try optionalString(name), !text.isEmpty { return text } }
        throw MLflowError.invalid("Missing value for required parameter '\(names[0])'.")
    }

    func optionalInt64(_ name: String) throws -> Int64? {
        guard let value = fields[name], !(value is JSONNull) else { return nil }
        return try Self.int64(value, name)
    }

    static func int64(_ value: Any, _ name: String) throws -> Int64 {
        if let text = value as? String, let number = Int64(text) { return number }
        if let number = (value as? JSONNumber)?.int64 { return number }
        throw MLflowError.invalid("Field '\(name)' must be an integer (got \(value)).")
    }

    static func double(_ value: Any, _ name: String) throws -> Double {
        if let text = value as? String {
            switch text {
            case "NaN", "nan": return .nan
            case "Infinity", "inf": return .infinity
            case "-Infinity", "-inf": return -.infinity
            default: if let number = Double(text) { return number }
            }
        }
        if let number = (value as? JSONNumber)?.double { return number }
        throw MLflowError.invalid("Field '\(name)' must be a number (got \(value)).")
    }

    func double(_ name: String) throws -> Double {
        guard let value = fields[name], !(value is JSONNull) else {
            throw MLflowError.invalid("Missing value for required parameter '\(name)'.")
        }
        return try Self.double(value, name)
    }

    func objects(_ name: String) throws -> [JSONObject] {
        guard let value = fields[name], !(value is JSONNull) else { return [] }
        guard let list = value as? [Any] else { throw MLflowError.invalid("Field '\(name)' must be a list of objects.") }
        return try list.map {
            guard let object = $0 as? JSONObject else { throw MLflowError.invalid("Field '\(name)' must be a list of objects.") }
            return object
        }
    }

    func strings(_ name: String) throws -> [String] {
        guard let value = fields[name], !(value is JSONNull) else { return [] }
        if let text = value as? String { return [text] }
        guard let list = value as? [Any] else { throw MLflowError.invalid("Field '\(name)' must be a list of strings.") }
        return try list.map {
            if let text = $0 as? String { return text }
            if let number = $0 as? JSONNumber { return number.text }
            throw MLflowError.invalid("Field '\(name)' must be a list of strings.")
        }
    }

    /// `{"key": …, "value": …}` entries of a list field, both as text.
    func keyValues(_ name: String) throws -> [(key: String, value: String)] {
        try objects(name).map { entry in
            guard let key = entry["key"] as? String, !key.isEmpty else { throw MLflowError.invalid("An entry of '\(name)' has no key.") }
            let value = entry["value"]
            if let text = value as? String { return (key, text) }
            if let number = value as? JSONNumber { return (key, number.text) }
            if value == nil || value is JSONNull { return (key, "") }
            throw MLflowError.invalid("The value of '\(key)' in '\(name)' must be a string.")
        }
    }
}
