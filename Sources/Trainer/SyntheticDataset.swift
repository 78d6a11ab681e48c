import CZlib
import Crypto
import Foundation

/// Small generated datasets in the MNIST IDX layout, for tests and demos: 28x28 images of ten
/// digit-like stroke patterns, each example shifted by up to two pixels and speckled with noise.
/// A few hundred steps of the seed network learn them well.
public enum SyntheticDataset {
    public static let side = 28

    /// Writes the four IDX files (gzip-compressed when `gzip`) into `directory`, creating it.
    public static func write(to directory: String, trainCount: Int, testCount: Int, seed: UInt64 = 1, gzip: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = Generator(seed: seed)
        let (trainImages, trainLabels) = make(count: trainCount, using: &generator)
        let (testImages, testLabels) = make(count: testCount, using: &generator)
        let files: [(String, [UInt8])] = [
            ("train-images-idx3-ubyte", IDX.encode(magic: IDX.imagesMagic, dimensions: [trainCount, side, side], body: trainImages)),
            ("train-labels-idx1-ubyte", IDX.encode(magic: IDX.labelsMagic, dimensions: [trainCount], body: trainLabels)),
            ("t10k-images-idx3-ubyte", IDX.encode(magic: IDX.imagesMagic, dimensions: [testCount, side, side], body: testImages)),
            ("t10k-labels-idx1-ubyte", IDX.encode(magic: IDX.labelsMagic, dimensions: [testCount], body: testLabels)),
        ]
        for (name, bytes) in files {
            let path = (directory as NSString).appendingPathComponent(name)
            if gzip {
                try writeGzip(bytes, to: path + ".gz")
            } else {
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            }
        }
    }

    /// The same data in memory, without files; its identity is that of the written files, named
    /// "synthetic".
    public static func make(trainCount: Int, testCount: Int, seed: UInt64 = 1) -> Dataset {
        var generator = Generator(seed: seed)
        let (trainImages, trainLabels) = make(count: trainCount, using: &generator)
        let (testImages, testLabels) = make(count: testCount, using: &generator)
        let features = side * side
        let encoded = [
            IDX.encode(magic: IDX.imagesMagic, dimensions: [trainCount, side, side], body: trainImages),
            IDX.encode(magic: IDX.labelsMagic, dimensions: [trainCount], body: trainLabels),
            IDX.encode(magic: IDX.imagesMagic, dimensions: [testCount, side, side], body: testImages),
            IDX.encode(magic: IDX.labelsMagic, dimensions: [testCount], body: testLabels),
        ]
        var files: [String: String] = [:]
        for (name, bytes) in zip(DatasetIdentity.fileNames, encoded) {
            files[name] = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        }
        return Dataset(train: Split(count: trainCount, features: features, images: trainImages, labels: trainLabels),
                       test: Split(count: testCount, features: features, images: testImages, labels: testLabels),
                       identity: DatasetIdentity(files: files, directory: "synthetic"))
    }

    /// Stroke segments (x0, y0, x1, y1) on a 0...10 grid, one list per class.
    static let strokes: [[(Int, Int, Int, Int)]] = [
        [(2, 1, 8, 1), (8, 1, 8, 9), (8, 9, 2, 9), (2, 9, 2, 1)],
        [(5, 1, 5, 9), (3, 3, 5, 1)],
        [(2, 1, 8, 1), (8, 1, 8, 5), (8, 5, 2, 9), (2, 9, 8, 9)],
        [(2, 1, 8, 1), (8, 1, 8, 9), (2, 5, 8, 5), (2, 9, 8, 9)],
        [(2, 1, 2, 5), (2, 5, 8, 5), (7, 1, 7, 9)],
        [(8, 1, 2, 1), (2, 1, 2, 5), (2, 5, 8, 5), (8, 5, 8, 9), (8, 9, 2, 9)],
        [(8, 1, 2, 1), (2, 1, 2, 9), (2, 9, 8, 9), (8, 9, 8, 5), (8, 5, 2, 5)],
        [(2, 1, 8, 1), (8, 1, 4, 9)],
        [(2, 1, 8, 1), (2, 1, 2, 9), (8, 1, 8, 9), (2, 5, 8, 5), (2, 9, 8, 9)],
        [(8, 5, 2, 5), (2, 5, 2, 1), (2, 1, 8, 1), (8, 1, 8, 9)],
    ]

    static func make(count: Int, using generator: inout Generator) -> (images: [UInt8], labels: [UInt8]) {
        var images = [UInt8](repeating: 0, count: count * side * side)
        var labels = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let label = Int(generator.next(below: 10))
            labels[i] = UInt8(label)
            let dx = Int(generator.next(below: 5)) - 2 + 4, dy = Int(generator.next(below: 5)) - 2 + 4
            let base = i * side * side
            for (x0, y0, x1, y1) in strokes[label] {
                let steps = max(abs(x1 - x0), abs(y1 - y0)) * 4
                for s in 0...steps {
                    let x = dx + (x0 * 2 * steps + (x1 - x0) * 2 * s) / max(steps, 1)
                    let y = dy + (y0 * 2 * steps + (y1 - y0) * 2 * s) / max(steps, 1)
                    for (ox, oy) in [(0, 0), (1, 0), (0, 1)] where x + ox < side && y + oy < side {
                        images[base + (y + oy) * side + x + ox] = 255
                    }
                }
            }
            for _ in 0..<20 {
                let p = Int(generator.next(below: UInt64(side * side)))
                images[base + p] = UInt8(generator.next(below: 256))
            }
        }
        return (images, labels)
    }

    static func writeGzip(_ bytes: [UInt8], to path: String) throws {
        guard let file = gzopen(path, "wb") else { throw DatasetError.unreadable(file: path, reason: "cannot create") }
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        guard gzclose(file) == Z_OK, Int(written) == bytes.count else {
            throw DatasetError.unreadable(file: path, reason: "cannot write")
        }
    }
}
