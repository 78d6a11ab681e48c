import Foundation
import FuzzHarness
import Trainer

// libFuzzer target for the IDX reader; FuzzHarness says how it runs.
//
// Input: byte 0 modulo 8 picks the path (0-5: in memory, 6: raw files, 7: gzip files; files are slow), bytes 1-2 (little-endian,
// reduced modulo what is left) are the length of the image file; the rest is the label file.
// The file paths go through `Dataset.load`, whose test split is a fixed valid pair.

/// A scratch directory in memory when /dev/shm exists: writing two files per input to a disk is
/// what would bound the executions per second.
let directory: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
    let path = base + "nnreg-fuzz-idx-\(getpid())"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let test: [(String, [UInt8])] = [
        ("t10k-images-idx3-ubyte", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2] + [UInt8](repeating: 9, count: 8)),
        ("t10k-labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 2, 1, 7]),
    ]
    for (name, bytes) in test { FileManager.default.createFile(atPath: path + "/" + name, contents: Data(bytes)) }
    atexit { try? FileManager.default.removeItem(atPath: directory) }
    return path
}()

/// Returns why the input was rejected, or nil when it decoded.
func fuzzOne(_ bytes: [UInt8]) -> (any Error)? {
    guard bytes.count >= 3 else { return CocoaError(.fileReadCorruptFile) }
    let rest = bytes.count - 3
    let split = rest == 0 ? 0 : (Int(bytes[1]) | Int(bytes[2]) << 8) % (rest + 1)
    let images = Array(bytes[3..<3 + split]), labels = Array(bytes[(3 + split)...])
    switch bytes[0] % 8 {
    case 0..<6:
        let split: Split
        do { split = try Dataset.decodeSplit(images: images, labels: labels) } catch { return error }
        precondition(split.images?.count == split.count * split.features && split.labels.allSatisfy { $0 < 10 })
        return nil
    default:
        let suffix = bytes[0] % 8 == 7 ? ".gz" : ""
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] {
            for stale in ["", ".gz"] { unlink(directory + "/" + name + stale) }
        }
        try! Data(images).write(to: URL(fileURLWithPath: directory + "/train-images-idx3-ubyte" + suffix))
        try! Data(labels).write(to: URL(fileURLWithPath: directory + "/train-labels-idx1-ubyte" + suffix))
        do { _ = try Dataset.load(directory: directory) } catch { return error }
        return nil
    }
}

@main
enum Main {
    static func main() throws { try FuzzHarness.run(fuzzOne) }
}
