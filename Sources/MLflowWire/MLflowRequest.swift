/// The fields of one API call: the JSON body's members, or for a GET the query string's parameters
/// (a repeated parameter is a list). Accessors read them as MLflow's protobuf JSON allows: an int64
/// as a number or a string of digits, a double as a number or `"NaN"`, `"Infinity"`, `"-Infinity"`.
/// Anything of the wrong shape is one INVALID_PARAMETER_VALUE line naming the field.
package struct MLflowRequest {
    package let fields: [String: JSONValue]

    package init(fields: [String: JSONValue]) { self.fields = fields }

    /// The members of an object nested in a request, read with the same accessors.
    package init(object: JSONObject) {
        var fields: [String: JSONValue] = [:]
        for (name, value) in object.members { fields[name] = value }
        self.fields = fields
    }

    /// Parses a JSON object body; anything else is INVALID_PARAMETER_VALUE. An empty body is `{}`.
    package init(body: [UInt8], query: [(String, String)]) throws(MLflowError) {
        var fields: [String: JSONValue] = [:]
        for (name, value) in query {
            switch fields[name] {
            case .array(let list)?: fields[name] = .array(list + [.string(value)])
            case let existing?: fields[name] = .array([existing, .string(value)])
            case nil: fields[name] = .string(value)
            }
        }
        if body.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
            guard case .object(let object) = try JSONReader.parse(body) else {
                throw MLflowError.invalid("The request body must be a JSON object.")
            }
            for (name, value) in object.members { fields[name] = value }
        }
        self.fields = fields
    }

    /// A field's value; JSON null counts as absent.
    private func present(_ name: String) -> JSONValue? {
        guard let value = fields[name], value != .null else { return nil }
        return value
    }

    package func has(_ name: String) -> Bool { present(name) != nil }

    package func optionalString(_ name: String) throws(MLflowError) -> String? {
        switch present(name) {
        case nil: return nil
        case .string(let text)?: return text
        case .number(let number)?: return number.text
        default: throw MLflowError.invalid("Field '\(name)' must be a string.")
        }
    }

    package func string(_ name: String) throws(MLflowError) -> String {
        guard let text = try optionalString(name), !text.isEmpty else {
            throw MLflowError.invalid("Missing value for required parameter '\(name)'.")
        }
        return text
    }

    /// The first of several names that is present (MLflow sends `run_id` and the older `run_uuid`).
    package func string(_ names: String...) throws(MLflowError) -> String {
        for name in names { if let text = try optionalString(name), !text.isEmpty { return text } }
        throw MLflowError.invalid("Missing value for required parameter '\(names[0])'.")
    }

    package func optionalInt64(_ name: String) throws(MLflowError) -> Int64? {
        guard let value = present(name) else { return nil }
        return try Self.int64(value, name)
    }

    package static func int64(_ value: JSONValue, _ name: String) throws(MLflowError) -> Int64 {
        switch value {
        case .string(let text): if let number = Int64(text) { return number }
        case .number(let number): if let integer = number.int64 { return integer }
        default: break
        }
        throw MLflowError.invalid("Field '\(name)' must be an integer (got \(value)).")
    }

    package static func double(_ value: JSONValue, _ name: String) throws(MLflowError) -> Double {
        switch value {
        case .string(let text):
            switch text {
            case "NaN", "nan": return .nan
            case "Infinity", "inf": return .infinity
            case "-Infinity", "-inf": return -.infinity
            default: if let number = Double(text) { return number }
            }
        case .number(let number): if let double = number.double { return double }
        default: break
        }
        throw MLflowError.invalid("Field '\(name)' must be a number (got \(value)).")
    }

    package func double(_ name: String) throws(MLflowError) -> Double {
        guard let value = present(name) else { throw MLflowError.invalid("Missing value for required parameter '\(name)'.") }
        return try Self.double(value, name)
    }

    package func objects(_ name: String) throws(MLflowError) -> [JSONObject] {
        guard let value = present(name) else { return [] }
        guard case .array(let list) = value else { throw MLflowError.invalid("Field '\(name)' must be a list of objects.") }
        var objects: [JSONObject] = []
        objects.reserveCapacity(list.count)
        for element in list {
            guard case .object(let object) = element else { throw MLflowError.invalid("Field '\(name)' must be a list of objects.") }
            objects.append(object)
        }
        return objects
    }

    package func strings(_ name: String) throws(MLflowError) -> [String] {
        guard let value = present(name) else { return [] }
        if case .string(let text) = value { return [text] }
        guard case .array(let list) = value else { throw MLflowError.invalid("Field '\(name)' must be a list of strings.") }
        var strings: [String] = []
        for element in list {
            switch element {
            case .string(let text): strings.append(text)
            case .number(let number): strings.append(number.text)
            default: throw MLflowError.invalid("Field '\(name)' must be a list of strings.")
            }
        }
        return strings
    }

    /// `{"key": …, "value": …}` entries of a list field, both as text.
    package func keyValues(_ name: String) throws(MLflowError) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        for entry in try objects(name) {
            guard case .string(let key)? = entry["key"], !key.isEmpty else { throw MLflowError.invalid("An entry of '\(name)' has no key.") }
            switch entry["value"] {
            case .string(let text)?: pairs.append((key, text))
            case .number(let number)?: pairs.append((key, number.text))
            case nil, .null?: pairs.append((key, ""))
            default: throw MLflowError.invalid("The value of '\(key)' in '\(name)' must be a string.")
            }
        }
        return pairs
    }

    /// One point of a `log-batch`'s `metrics`: its timestamp is nil when the client sent none.
    package struct MetricPoint: Equatable {
        package let key: String
        package let value: Double
        package let timestamp: Int64?
        package let step: Int64

        package init(key: String, value: Double, timestamp: Int64?, step: Int64) {
            self.key = key
            self.value = value
            self.timestamp = timestamp
            self.step = step
        }
    }

    /// The `metrics` list of a `log-batch` (a key, a value, optionally a timestamp and a step; step 0
    /// when there is none, as in MLflow).
    package func metricPoints(_ name: String) throws(MLflowError) -> [MetricPoint] {
        var points: [MetricPoint] = []
        for entry in try objects(name) {
            guard case .string(let key)? = entry["key"], !key.isEmpty else { throw MLflowError.invalid("A metric in the batch has no key.") }
            guard let value = entry["value"] else { throw MLflowError.invalid("Metric '\(key)' has no value.") }
            points.append(MetricPoint(
                key: key, value: try Self.double(value, "value"),
                timestamp: try entry["timestamp"].map { value throws(MLflowError) in try Self.int64(value, "timestamp") },
                step: try entry["step"].map { value throws(MLflowError) in try Self.int64(value, "step") } ?? 0))
        }
        return points
    }
}
