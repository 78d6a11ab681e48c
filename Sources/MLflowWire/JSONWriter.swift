import JSONText

/// Builds a JSON response as bytes, as MLflow's server writes it: int64 fields as numbers, doubles
/// in their shortest exact form, and NaN and the infinities as the strings `"NaN"`, `"Infinity"`
/// and `"-Infinity"` (protobuf's JSON spelling, which the client parses back).
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []
    /// Whether the current object or array has a member yet (one entry per open level).
    private var hasMember: [Bool] = []

    package init(capacity: Int = 1_024) { bytes.reserveCapacity(capacity) }

    private mutating func separate() {
        if let last = hasMember.last {
            if last { bytes.append(UInt8(ascii: ",")) }
            hasMember[hasMember.count - 1] = true
        }
    }

    package mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        pendingKey = true
    }
    /// A key was written: the next value is its value, not a member of its own.
    private var pendingKey = false

    private mutating func beginValue() {
        if pendingKey {
            pendingKey = false
        } else {
            separate()
        }
    }

    package mutating func openObject() {
        beginValue()
        bytes.append(UInt8(ascii: "{"))
        hasMember.append(false)
    }

    package mutating func closeObject() {
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    package mutating func openArray() {
        beginValue()
        bytes.append(UInt8(ascii: "["))
        hasMember.append(false)
    }

    package mutating func closeArray() {
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    package mutating func string(_ value: String) {
        beginValue()
        appendString(value)
    }

    package mutating func int(_ value: Int64) {
        beginValue()
        appendDigits(value)
    }

    /// An integer's decimal digits, written without making a String.
    private mutating func appendDigits(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// One point of a metric's history, `{"key":…,"value":…,"timestamp":…,"step":…}`, with the key
    /// already written as `{"key":"NAME","value":` (`metricPrefix`): a history is written point
    /// after point, so this is its whole cost.
    package mutating func metricPoint(prefix: [UInt8], value: Double, timestamp: Int64, step: Int64) {
        separate()
        bytes.append(contentsOf: prefix)
        if value.isNaN {
            bytes.append(contentsOf: "\"NaN\"".utf8)
        } else if value.isInfinite {
            bytes.append(contentsOf: (value < 0 ? "\"-Infinity\"" : "\"Infinity\"").utf8)
        } else {
            var text = value.description
            text.withUTF8 { bytes.append(contentsOf: $0) }
        }
        bytes.append(contentsOf: Self.timestampKey)
        appendDigits(timestamp)
        bytes.append(contentsOf: Self.stepKey)
        appendDigits(step)
        bytes.append(UInt8(ascii: "}"))
    }

    private static let timestampKey = Array(",\"timestamp\":".utf8), stepKey = Array(",\"step\":".utf8)

    /// The start of a point of metric `key` for `metricPoint`.
    package static func metricPrefix(key: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 32 + key.utf8.count)
        writer.bytes.append(contentsOf: "{\"key\":".utf8)
        writer.appendString(key)
        writer.bytes.append(contentsOf: ",\"value\":".utf8)
        return writer.bytes
    }

    package mutating func bool(_ value: Bool) {
        beginValue()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    package mutating func double(_ value: Double) {
        beginValue()
        if value.isNaN {
            bytes.append(contentsOf: "\"NaN\"".utf8)
        } else if value.isInfinite {
            bytes.append(contentsOf: (value < 0 ? "\"-Infinity\"" : "\"Infinity\"").utf8)
        } else {
            // Swift's description is the shortest text that reads back to the same bits.
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    /// A value as it was read: numbers in their own text, members in their order.
    package mutating func value(_ value: JSONValue) {
        switch value {
        case .object(let object):
            openObject()
            for member in object.members {
                key(member.name)
                self.value(member.value)
            }
            closeObject()
        case .array(let elements):
            openArray()
            for element in elements { self.value(element) }
            closeArray()
        case .string(let text): string(text)
        case .number(let number):
            beginValue()
            bytes.append(contentsOf: number.text.utf8)
        case .bool(let flag): bool(flag)
        case .null:
            beginValue()
            bytes.append(contentsOf: "null".utf8)
        }
    }

    /// `"key": "value"` pairs.
    package mutating func field(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    package mutating func field(_ name: String, _ value: Int64) {
        key(name)
        int(value)
    }

    /// `{"key": …, "value": …}` entries, sorted by key, as MLflow lists params and tags.
    package mutating func keyValueList(_ name: String, _ pairs: [String: String]) {
        key(name)
        openArray()
        for (key, value) in pairs.sorted(by: { $0.key < $1.key }) {
            openObject()
            field("key", key)
            field("value", value)
            closeObject()
        }
        closeArray()
    }

    private mutating func appendString(_ value: String) {
        JSONText.appendString(value, to: &bytes)
    }
}
