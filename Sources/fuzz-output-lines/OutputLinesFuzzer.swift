import Foundation
import FuzzHarness
import OutputMetrics

// libFuzzer target for the output parser of `nnreg track` (line splitting, pairs, JSON lines, a
// user pattern); FuzzHarness says how it runs, and `--write-seeds DIR` writes the seed corpus.
//
// Whatever the bytes, parsing must not crash, every point must have a finite value, a non-negative
// step and a non-empty key, and the points must not depend on where the stream was cut into chunks.

#if FUZZING
/// The standard library's regex compiler keeps boxes that LeakSanitizer does not see reachable from
/// the one global pattern below (compiled once); its allocations are not this project's leaks.
@_cdecl("__lsan_default_suppressions")
func leakSuppressions() -> UnsafePointer<CChar> {
    UnsafeRawPointer(StaticString("leak:_StringProcessing\n").utf8Start).assumingMemoryBound(to: CChar.self)
}
#endif

nonisolated(unsafe) let pattern = try! MetricPattern(#"epoch (?P<step>\d+) lr=(?P<lr>[0-9.]+)"#)

/// The points of `bytes` read in chunks cut at `cuts`.
func points(_ bytes: [UInt8], cuts: [Int]) -> [ParsedPoint] {
    var splitter = LineSplitter()
    var extractor = MetricExtractor(patterns: [pattern])
    var points: [ParsedPoint] = []
    var start = 0
    for cut in cuts + [bytes.count] where cut >= start {
        bytes[start..<cut].withUnsafeBufferPointer { chunk in
            splitter.feed(chunk) { extractor.consume($0, into: &points) }
        }
        start = cut
    }
    splitter.finish { extractor.consume($0, into: &points) }
    return points
}

func fuzzOne(_ bytes: [UInt8]) -> (any Error)? {
    let whole = points(bytes, cuts: [])
    for point in whole {
        precondition(point.value.isFinite && point.step >= 0 && !point.key.isEmpty, "bad point \(point)")
    }
    // Cut at positions derived from the input itself, so that libFuzzer explores them too.
    let cuts = bytes.isEmpty ? [] : [Int(bytes[0]) % (bytes.count + 1), bytes.count / 2, max(bytes.count - 1, 0)].sorted()
    let chunked = points(bytes, cuts: cuts)
    precondition(chunked == whole, "points depend on chunk boundaries: \(whole.prefix(5)) vs \(chunked.prefix(5))")
    return nil
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    let texts: [(String, String)] = [
        ("seed", "step: 1, loss: 560.782349, accuracy: 0.433594\nstep: 100, loss: 90.1, accuracy: 0.9\nTest Accuracy: 0.936800\n"),
        ("shell", "loss=0.5\nloss=0.25 acc=0.9\r\nloss=1e-3\n"),
        ("json", #"{"step": 3, "loss": 0.5, "tags": {"a": [1, 2, {"b": "x\"}"}]}, "ok": true}"# + "\n{\"loss\": -2.5E+3}\n"),
        ("keras", "Epoch 1/10\n1875/1875 - 3s - loss: 0.2954 - accuracy: 0.9151\n"),
        ("pattern", "epoch 7 lr=0.01\nepoch 8 lr=0.005 step=9 loss=1\n"),
        ("noise", "50%|█████     | 50/100 [00:01<00:01, loss=0.3]\r 12:00:00 INFO done 95% 5ms nan inf\n"),
    ]
    return texts.map { ($0.0, Array($0.1.utf8)) }
}

@main
enum Main {
    static func main() throws { try FuzzHarness.run(fuzzOne, seeds: seeds) }
}
