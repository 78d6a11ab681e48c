import Foundation
import ModelInputs
import Trainer

extension Predict {
    struct InputEntry: Encodable {
        struct Ranked: Encodable { let `class`: Int; let probability: Float }
        let input: String
        let `class`: Int
        let probability: Float
        let top: [Ranked]
        let probabilities: [Float]
    }

    /// `--input FILE…`: every file's rows, predicted with the forward pass `eval` uses. A file that
    /// cannot be read gets one line on stderr and the others still get their answers; the exit
    /// status is then 1.
    func predictInputs() throws {
        let store = try StoreOpening.openForReading(global.db)
        let picked = try store.existingCheckpoint(reference)
        let network = try NetworkLoading.network(from: picked.checkpoint, run: picked.run)
        let scorer = Scorer(network)
        var entries: [InputEntry] = []
        var failures = 0
        for path in inputs {
            let rows: FeatureRows
            do {
                rows = try InputFile.rows(path: path, inputs: network.inputs, invert: invert)
            } catch {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                failures += 1
                continue
            }
            let probabilities = scorer.probabilities(rows.split)
            let classes = network.classes
            for (r, name) in rows.names.enumerated() {
                let row = Array(probabilities[(r * classes)..<((r + 1) * classes)])
                // Highest first; ties keep the lower class first, as the argmax does.
                let ranked = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
                entries.append(InputEntry(input: name, class: ranked[0], probability: row[ranked[0]],
                                          top: ranked.prefix(top).map { .init(class: $0, probability: row[$0]) }, probabilities: row))
            }
        }
        if json {
            try Terminal.printJSON(entries)
        } else if csv {
            var table = Table([("input", .left), ("class", .right)] + (0..<network.classes).map { ("p\($0)", .right) })
            for entry in entries { table.append([entry.input, String(entry.class)] + entry.probabilities.map { "\($0)" }) }
            if !entries.isEmpty { print(table.csv()) }
        } else if !entries.isEmpty {
            print("\(picked.label)\n")
            var table = Table([("input", .left), ("class", .right), ("probability", .right)] + (top > 1 ? [("top \(top)", .left)] : []))
            for entry in entries {
                table.append([entry.input, String(entry.class), String(format: "%.4f", entry.probability)]
                             + (top > 1 ? [entry.top.map { "\($0.class) \(String(format: "%.3f", $0.probability))" }.joined(separator: ", ")] : []))
            }
            print(table.rendered(maxWidth: 120))
        }
        if failures > 0 {
            throw CLIError("\(failures) of \(inputs.count) inputs could not be read (see above)", isQuiet: false)
        }
    }
}
