import Testing
import Trainer
@testable import ModelInputs

/// MLflow's scoring request shapes and CSV bodies read into rows, and what is refused.
@Suite struct ScoringRequestTests {
    func rows(_ text: String, maxRows: Int = 100) throws -> FeatureRows {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { buffer throws(InputError) in
            try ScoringRequest.rows(json: UnsafeBufferPointer(buffer), maxRows: maxRows)
        }
    }

    func csv(_ text: String) throws -> FeatureRows {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { buffer throws(InputError) in
            try CSVRows.rows(UnsafeBufferPointer(buffer), source: "body", maxRows: 100)
        }
    }

    func values(_ rows: FeatureRows) -> [Float] {
        if case .floats(let values) = rows.split.values { return values }
        return []
    }

    func failure(_ body: () throws -> FeatureRows) -> String {
        do { _ = try body(); return "" } catch { return "\(error)" }
    }

    @Test func everyShapeGivesTheSameRows() throws {
        // Rows wider than the reader's 256-number buffer, with 0, 0.0, exponents and negatives.
        let row: (Int) -> [Float] = { r in (0..<300).map { $0 % 3 == 0 ? 0 : Float(r * 1000 + $0) / 64 } }
        let expected = row(0) + row(1)
        let text = { (values: [Float]) in values.map { $0 == 0 ? "0.0" : "\($0)" }.joined(separator: ", ") }
        let names = (0..<300).map { "\"f\($0)\"" }
        let bodies = [
            "{\"inputs\": [[\(text(row(0)))], [\(text(row(1)))]]}",
            "{\"instances\": [[\(text(row(0)))],[\(text(row(1)))]], \"params\": {\"k\": [1, \"x\", null, true]}}",
            "{\"inputs\": {\"pixels\": [[\(text(row(0)))], [\(text(row(1)))]]}}",
            "{\"dataframe_split\": {\"index\": [0, 1], \"columns\": [\(names.reversed().joined(separator: ","))], \"data\": [[\(text(row(0).reversed()))], [\(text(row(1).reversed()))]]}}",
            "{\"dataframe_records\": [{\((0..<300).map { "\"f\($0)\": \(row(0)[$0])" }.joined(separator: ","))}, {\((0..<300).reversed().map { "\"f\($0)\": \(row(1)[$0])" }.joined(separator: ","))}]}",
        ]
        for body in bodies {
            let read = try rows(body)
            #expect(read.count == 2 && read.width == 300, "\(body.prefix(30))")
            #expect(values(read) == expected, "\(body.prefix(30))")
        }
        // A name escaped (a surrogate pair too) is the name written out.
        let escaped = try rows("{\"dataframe_records\": [{\"\\ud83d\\ude00\": 1, \"\\u00e9\": 2}, {\"é\": 4, \"😀\": 3}]}")
        #expect(escaped.count == 2 && values(escaped) == [1, 2, 3, 4])
        // A tensor's first axis is the rows; a flat list is one row.
        let cube = try rows("{\"inputs\": [[[1, 2], [3, 4]], [[5, 6], [7, 8e0]]]}")
        #expect(cube.count == 2 && cube.width == 4 && values(cube) == [1, 2, 3, 4, 5, 6, 7, 8])
        let flat = try rows("{\"inputs\": [1, 2.5, -3e-1]}")
        #expect(flat.count == 1 && values(flat) == [1, 2.5, -0.3])
    }

    @Test func badBodiesSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("{\"inputs\": [[1, 2], [3]]}", "ragged"),
            ("{\"inputs\": [[1, 2], [3, [4]]]}", "value 3 is an array"),
            ("{\"inputs\": [[1, \"2\"]]}", "value 1 is a string"),
            ("{\"inputs\": [[1, null]]}", "value 1 is null"),
            ("{\"inputs\": [[NaN]]}", "not finite"),
            ("{\"inputs\": [[-Infinity]]}", "not finite"),
            ("{\"inputs\": [[3.5e38]]}", "outside Float32's range"),
            ("{\"inputs\": [[1, 2}", "expected ',' or ']'"),
            ("{\"inputs\": []}", "no values"),
            ("{\"inputs\": [[1]], \"inputs\": [[2]]}", "more than one"),
            ("{\"dataframe_split\": {\"columns\": [\"a\", \"b\"], \"data\": [[1]]}}", "names 2 columns"),
            ("{\"dataframe_records\": [{\"a\": 1}, {\"b\": 2}]}", "which record 0 lacks"),
            ("{\"dataframe_records\": [{\"a\": 1, \"a\": 2}]}", "twice"),
            ("{\"dataframe_records\": [{\"\\u+123\": 1}]}", "an invalid \\u escape"),
            ("{\"dataframe_records\": [{\"\\ud83d\": 1}]}", "a lone surrogate"),
            ("{}", "none of"),
            ("{\"inputs\": [[1]]} x", "text after"),
        ]
        for (body, says) in cases {
            let message = failure { try rows(body) }
            #expect(message.contains(says), "\(body): \(message)")
        }
        let many = "{\"inputs\": [" + Array(repeating: "[1]", count: 5).joined(separator: ",") + "]}"
        #expect(failure { try rows(many, maxRows: 4) }.contains("at most 4"))
    }

    @Test func csvRowsTakeAHeaderAndLeaveOutTheLabel() throws {
        let read = try csv("label, pixel0, pixel1\n7, 0.5, 0\r\n\n3, 1e-3, 2\n")
        #expect(read.count == 2 && read.width == 2 && values(read) == [0.5, 0, 0.001, 2])
        #expect(read.names == ["body line 2", "body line 4"])
        let bare = try csv("1,2,3\n4,5,6")
        #expect(bare.count == 2 && values(bare) == [1, 2, 3, 4, 5, 6])
        #expect(failure { try csv("1,2\n3\n") }.contains("line 2 has 1 values"))
        #expect(failure { try csv("1,x\n") }.contains("line 1 column 2: 'x' is not a number"))
        #expect(failure { try csv("1,inf\n") }.contains("not a number") || failure { try csv("1,inf\n") }.contains("finite"))
        #expect(failure { try csv("a,b\n") }.contains("holds no rows"))
    }
}
