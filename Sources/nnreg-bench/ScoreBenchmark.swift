import Foundation
import Store
import Trainer

/// `nnreg-bench score --db STORE --model REF --input ROWS.npy [--repeat N]`: in-process batch scoring
/// of the rows in one call (`Scorer.probabilities`, the forward pass `eval`, `predict --input` and
/// `serve` use), timed after a warm-up; prints `median_ms=…` on two cores and `median_ms_one_core=…`,
/// and the checksum of the classes so that a peer's answers can be compared.
func runScoreBenchmark(_ arguments: [String]) throws {
    func value(_ name: String) -> String? {
        arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    }
    guard let db = value("--db"), let reference = value("--model"), let input = value("--input") else {
        throw BenchmarkError("usage: nnreg-bench score --db STORE --model REF --input ROWS.npy [--repeat N]")
    }
    let repeats = value("--repeat").flatMap(Int.init) ?? 7
    let store = try Store(readingOnly: db)
    let resolved = try store.resolve(reference)
    let steps = try store.checkpoints(runID: resolved.run.id)
    guard let info = resolved.step.map({ step in steps.first { $0.step == step } }) ?? steps.last,
          let checkpoint = try store.checkpoint(runID: info.runID, step: info.step) else {
        throw BenchmarkError("\(reference) has no checkpoint")
    }
    let network = try Network(serialized: [UInt8](checkpoint.weights))
    let rows = try FeatureArrays.rows(npy: [UInt8](try Data(contentsOf: URL(fileURLWithPath: input))), file: input)
    let scorer = Scorer(network)
    for (name, twoCores) in [("median_ms", true), ("median_ms_one_core", false)] {
        KernelPath.setUsesTwoCores(twoCores)
        var times: [Double] = []
        var classes: [Int] = []
        for round in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let probabilities = scorer.probabilities(rows)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if round > 0 { times.append(elapsed) }  // the first is a warm-up
            classes = (0..<rows.count).map { r in
                let row = probabilities[(r * network.classes)..<((r + 1) * network.classes)]
                return row.indices.max { row[$0] < row[$1] }! - row.startIndex
            }
        }
        times.sort()
        print("\(name)=\(String(format: "%.3f", times[times.count / 2])) rows=\(rows.count) classes_checksum=\(classes.reduce(0) { ($0 &* 31 &+ $1) & 0xFFFF_FFFF })")
    }
    KernelPath.setUsesTwoCores(true)
}
