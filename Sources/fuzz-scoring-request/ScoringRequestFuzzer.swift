import Foundation
import FuzzHarness
import ModelInputs
import Trainer

// libFuzzer target for what a scoring request's body goes through (`POST /invocations`): MLflow's
// scoring JSON, CSV rows, and PNG/JPEG pictures through libpng and libjpeg-turbo; FuzzHarness says
// how it runs, and `--write-seeds DIR` writes the seed corpus.
//
// Whatever the bytes, reading must not crash; rows that come back are rectangular and finite, and
// the number at the start of the body reads as strtof reads it.

func fuzzOne(_ bytes: [UInt8]) -> (any Error)? {
    bytes.withUnsafeBufferPointer { body in
        for rows in [try? ScoringRequest.rows(json: body, maxRows: 64), try? CSVRows.rows(body, source: "body", maxRows: 64)] {
            guard let rows else { continue }
            precondition(rows.count > 0 && rows.count <= 64 && rows.names.count == rows.count, "\(rows.count) rows")
            if case .floats(let values) = rows.split.values {
                precondition(values.count == rows.count * rows.width && values.allSatisfy(\.isFinite), "values of \(rows.count)x\(rows.width)")
            }
        }
        // Differential: DecimalFloat against strtof on the longest number at the start.
        var end = 0
        if let ours = DecimalFloat.read(body, at: &end) {
            let text = String(decoding: body[0..<end], as: UTF8.self)
            let theirs = strtof(text, nil)
            precondition(ours.bitPattern == theirs.bitPattern || (ours.isNaN && theirs.isNaN), "\(text): \(ours) vs \(theirs)")
        }
    }
    if ImageRows.isImage(bytes), let rows = try? ImageRows.row(bytes, inputs: 784, invert: bytes.count % 2 == 0, name: "image") {
        precondition(rows.count == 1 && rows.width == 784 && rows.split.images?.count == 784, "image row")
    }
    return nil
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    let row = (0..<784).map { $0 % 7 == 0 ? "0.5" : "0" }.joined(separator: ",")
    return [
        ("inputs", Array("{\"inputs\": [[\(row)]]}".utf8)),
        ("instances", Array("{\"instances\": [[1, 2.5e-3, -0.0], [3, 4, 5]], \"params\": {\"a\": [1, {\"b\": null}]}}".utf8)),
        ("named", Array("{\"inputs\": {\"pixels\": [[[1, 2], [3, 4]]]}}".utf8)),
        ("split", Array("{\"dataframe_split\": {\"index\": [0], \"columns\": [\"pixel1\", \"pixel0\"], \"data\": [[0.25, 1e2]]}}".utf8)),
        ("records", Array("{\"dataframe_records\": [{\"a\": 1, \"b\": 2}, {\"b\": 3, \"a\": 4}]}".utf8)),
        ("escapes", Array("{\"dataframe_records\": [{\"\\u00e9\\n\": 0.1}]}".utf8)),
        ("csv", Array("label,pixel0,pixel1\n3,0.5,0\n4, 1e-3 ,2\r\n".utf8)),
        ("numbers", Array("0.003921568859368563,16777217,3.4028235e38,1e-45,123456789012345678901234".utf8)),
        // A 2x2 gray PNG (zlib stored block) and the start of a JPEG.
        ("png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 2, 0, 0, 0, 2, 8, 0, 0, 0, 0,
                 0x57, 0xDD, 0x52, 0xF8, 0, 0, 0, 0x0E, 0x49, 0x44, 0x41, 0x54, 0x78, 0x01, 0x01, 0x06, 0x00, 0xF9, 0xFF, 0x00, 0x00,
                 0xFF, 0x00, 0xFF, 0x00, 0x06, 0x02, 0x02, 0x00, 0x4C, 0xC3, 0x0C, 0x4F, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE,
                 0x42, 0x60, 0x82]),
        ("jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9]),
    ]
}

@main
enum Main {
    static func main() throws { try FuzzHarness.run(fuzzOne, seeds: seeds) }
}
