import JSONText
import MLflowWire
import Testing

/// The request side of MLflow's wire format: bodies read strictly, fields read as protobuf's JSON
/// allows, every refusal one INVALID_PARAMETER_VALUE line.
@Suite struct JSONReaderTests {
    func parse(_ text: String) throws(MLflowError) -> JSONValue { try JSONReader.parse(Array(text.utf8)) }

    func request(_ text: String, query: [(String, String)] = []) throws(MLflowError) -> MLflowRequest {
        try MLflowRequest(body: Array(text.utf8), query: query)
    }

    @Test func valuesKeepTheirKindsAndOrder() throws {
        let value = try parse(#" {"b": [1, -2.5e3, true, false, null, "x"], "a": {}, "b": "again"} "#)
        guard case .object(let object) = value else { Issue.record("not an object: \(value)"); return }
        #expect(object.members.map(\.name) == ["b", "a", "b"])
        #expect(object["b"] == .string("again"))  // a repeated name means its last value
        #expect(object.members[0].value == .array([
            .number(JSONNumber(text: "1")), .number(JSONNumber(text: "-2.5e3")), .bool(true), .bool(false), .null, .string("x"),
        ]))
        #expect(object["a"] == .object(JSONObject()))
        #expect(object["missing"] == nil)
    }

    @Test func numbersAreReadExactlyFromTheirText() throws {
        // Values that a reader going through a decimal type or a rounding parser gets wrong by one ulp.
        for text in ["0.1", "5e-324", "1.7976931348623157e308", "2.2250738585072011e-308", "0.14285714285714285", "-0.0",
                     "9007199254740993"] {
            let request = try request("{\"value\": \(text)}")
            #expect(try request.double("value").bitPattern == Double(text)!.bitPattern, "\(text)")
        }
        let big = try request(#"{"a": 9223372036854775807, "b": "-9223372036854775808", "c": 1e3}"#)
        #expect(try big.optionalInt64("a") == Int64.max)
        #expect(try big.optionalInt64("b") == Int64.min)
        #expect(try big.optionalInt64("c") == 1000)
    }

    @Test func writtenBackEveryValueReadsTheSame() throws {
        let text = #"{"s": "\"\\\/\b\f\n\r\t\u0001\u00e9\ud83d\ude00 ok", "n": [0, -0.0, 1E+2, 5e-324], "o": {"": null}, "o": [[]]}"#
        let value = try parse(text)
        var writer = JSONWriter()
        writer.value(value)
        #expect(try JSONReader.parse(writer.bytes) == value)
        #expect(value.object?["s"] == .string("\"\\/\u{8}\u{c}\n\r\t\u{1}é😀 ok"))
    }

    /// The one escaper (MLflow's responses, safetensors headers, scoring errors): every control
    /// character, quote and backslash escaped, the rest its UTF-8, and the strict reader reads it back.
    @Test func jsonTextLiteralsReadBackAsTheirText() throws {
        let text = String((0..<0x80).map { Character(Unicode.Scalar(UInt8($0))) }) + "é😀\u{2028}"
        let literal = JSONText.literal(text)
        #expect(try parse(literal) == .string(text))
        #expect(literal.unicodeScalars.allSatisfy { $0.value >= 0x20 })
        #expect(JSONText.literal("a\"b\\c\n\r\t\u{1f}\u{0}") == #""a\"b\\c\n\r\t\u001f\u0000""#)
    }

    /// The one decoder of escapes, which the MLflow reader, the safetensors header parser and the
    /// scoring request reader share: what each escape stands for, and where a bad one is refused.
    @Test func jsonTextDecodesEveryEscapeAndPlacesEachFault() {
        func decode(_ text: String) -> Result<(String, Int), JSONText.EscapeError> {
            let bytes = Array(text.utf8)
            var position = 1, utf8: [UInt8] = []
            do throws(JSONText.EscapeError) {
                try JSONText.decodeEscape(bytes, at: &position, into: &utf8)
                return .success((String(decoding: utf8, as: UTF8.self), position))
            } catch {
                return .failure(error)
            }
        }
        let decoded: [(String, String, Int)] = [
            (#"\""#, "\"", 2), (#"\\"#, "\\", 2), (#"\/"#, "/", 2), (#"\b"#, "\u{8}", 2), (#"\f"#, "\u{c}", 2),
            (#"\n"#, "\n", 2), (#"\r"#, "\r", 2), (#"\t"#, "\t", 2), (#"\u00e9x"#, "é", 6), (#"\uFFFF"#, "\u{FFFF}", 6),
            (#"\ud83d\ude00"#, "😀", 12), (#"\uDBFF\uDFFF"#, "\u{10FFFF}", 12),
        ]
        for (text, expected, end) in decoded {
            guard case .success(let (value, position)) = decode(text) else { Issue.record("refused \(text)"); continue }
            #expect(value == expected && position == end, "\(text)")
        }
        let refused: [(String, JSONText.EscapeError)] = [
            (#"\"#, .cutOff), (#"\x"#, .unknown(UInt8(ascii: "x"))), (#"\u12G4"#, .notHex), (#"\u+123"#, .notHex),
            (#"\u12"#, .notHex), (#"\udc00"#, .unpairedLow(0xDC00)), (#"\ud800x"#, .highAlone(0xD800)),
            (#"\ud800\u0041"#, .highBefore(0xD800, next: 0x41)),
        ]
        for (text, expected) in refused {
            guard case .failure(let error) = decode(text) else { Issue.record("accepted \(text)"); continue }
            #expect(error == expected, "\(text)")
        }
    }

    @Test func aBatchsMetricsReadAsTheClientSendsThem() throws {
        let body = #"{"run_id": "r", "metrics": [{"key": "loss", "value": 0.5, "timestamp": "1700000000000", "step": "3"},"#
            + #"{"key": "acc", "value": "NaN", "timestamp": 1700000000001}, {"key": "x", "value": "-Infinity", "step": -4},"#
            + #"{"key": "y", "value": "Infinity"}]}"#
        let points = try request(body).metricPoints("metrics")
        #expect(points.count == 4)
        #expect(points[0] == .init(key: "loss", value: 0.5, timestamp: 1_700_000_000_000, step: 3))
        #expect(points[1].value.isNaN && points[1].timestamp == 1_700_000_000_001 && points[1].step == 0)
        #expect(points[2] == .init(key: "x", value: -.infinity, timestamp: nil, step: -4))
        #expect(points[3].value == .infinity)
        #expect(try request(#"{"metrics": null}"#).metricPoints("metrics").isEmpty)
    }

    @Test func badFieldsAreOneLineNamingTheField() {
        let cases: [(String, String)] = [
            (#"{"metrics": [{"value": 1}]}"#, "A metric in the batch has no key."),
            (#"{"metrics": [{"key": "a"}]}"#, "Metric 'a' has no value."),
            (#"{"metrics": [{"key": "a", "value": "x"}]}"#, "Field 'value' must be a number (got 'x')."),
            (#"{"metrics": [{"key": "a", "value": 1, "step": 1.5}]}"#, "Field 'step' must be an integer (got 1.5)."),
            (#"{"metrics": [{"key": "a", "value": 1, "timestamp": {}}]}"#, "Field 'timestamp' must be an integer (got an object)."),
            (#"{"metrics": {"key": "a"}}"#, "Field 'metrics' must be a list of objects."),
            (#"{"metrics": [1]}"#, "Field 'metrics' must be a list of objects."),
            (#"{"params": [{"key": "a", "value": [1]}]}"#, "The value of 'a' in 'params' must be a string."),
            (#"[1, 2]"#, "The request body must be a JSON object."),
        ]
        for (body, message) in cases {
            do {
                let request = try request(body)
                _ = try request.metricPoints("metrics")
                _ = try request.keyValues("params")
                Issue.record("accepted: \(body)")
            } catch {
                #expect(error.code == "INVALID_PARAMETER_VALUE" && error.message == message, "\(body): \(error.message)")
            }
        }
    }

    @Test func malformedJSONIsRefusedWithItsByteOffset() {
        let cases: [([UInt8], String)] = [
            (Array(#"{"a": 1,}"#.utf8), "a member name is missing at byte 8"),
            (Array(#"{"a" 1}"#.utf8), "':' is missing at byte 5"),
            (Array(#"{"a": "x}"#.utf8), "a string is not closed at byte 9"),
            (Array(#"{"a": 01}"#.utf8), "a number has a leading zero at byte 6"),
            (Array(#"{"a": -}"#.utf8), "a number has no digits at byte 7"),
            (Array(#"{"a": 1.}"#.utf8), "a number has no digits after its point at byte 8"),
            (Array(#"{"a": tru}"#.utf8), "unexpected word at byte 6"),
            (Array(#"{"a": "\ud800"}"#.utf8), "a lone surrogate at byte 13"),
            (Array(#"{"a": "\x"}"#.utf8), "an invalid escape at byte 8"),
            (Array(#"{"a": "\u+123"}"#.utf8), "an invalid \\u escape at byte 9"),
            (Array("{\"a\": \"\u{1}\"}".utf8), "a control character in a string at byte 8"),
            (Array(#"{"a": ""#.utf8) + [0xC3, 0x28, 0x22, 0x7D], "a string is not UTF-8 at byte 6"),
            (Array(#"{} {}"#.utf8), "unexpected text after the value at byte 3"),
            (Array(repeating: UInt8(ascii: "["), count: 100_000), "nesting deeper than 64 at byte 64"),
        ]
        for (bytes, what) in cases {
            do {
                _ = try JSONReader.parse(bytes)
                Issue.record("accepted: \(String(decoding: bytes.prefix(40), as: UTF8.self))")
            } catch {
                #expect(error.code == "INVALID_PARAMETER_VALUE")
                #expect(error.message == "The request body is not valid JSON: \(what).", "\(error.message)")
            }
        }
    }

    @Test func aGetsRepeatedParameterIsAList() throws {
        let request = try request("", query: [("experiment_ids", "1"), ("experiment_ids", "2"), ("experiment_ids", "3"), ("max_results", "5")])
        #expect(try request.strings("experiment_ids") == ["1", "2", "3"])
        #expect(try request.optionalInt64("max_results") == 5)
        #expect(!request.has("page_token"))
        #expect(try MLflowRequest(body: Array(" \n\t".utf8), query: []).fields.isEmpty)
    }
}
