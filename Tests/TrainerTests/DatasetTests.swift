import Foundation
import Testing
@testable import Trainer

private func file(_ directory: String, _ name: String) -> String { directory + "/" + name }

private func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

@Test(arguments: [false, true])
func loadsGeneratedDatasets(gzip: Bool) throws {
    try withTemporaryDirectory { root in
        let directory = root + "/digits"
        try SyntheticDataset.write(to: directory, trainCount: 120, testCount: 30, seed: 2, gzip: gzip)
        let dataset = try Dataset.load(directory: directory)
        #expect(dataset.train.count == 120 && dataset.test.count == 30 && dataset.train.features == 784)
        #expect(dataset.train.images?.count == 120 * 784 && dataset.train.labels.allSatisfy { $0 < 10 })
        #expect(dataset.identity.name == "digits")
        #expect(!dataset.identity.isOfficialMNIST)
        #expect(dataset.identity.files.count == 4 && dataset.identity.sha256.count == 64)
        let memory = SyntheticDataset.make(trainCount: 120, testCount: 30, seed: 2)
        #expect(memory.train.images == dataset.train.images && memory.test.labels == dataset.test.labels)
    }
}

@Test func rawAndGzipHaveTheSameIdentity() throws {
    try withTemporaryDirectory { root in
        try SyntheticDataset.write(to: root + "/a", trainCount: 50, testCount: 10, seed: 4)
        try SyntheticDataset.write(to: root + "/b", trainCount: 50, testCount: 10, seed: 4, gzip: true)
        let a = try Dataset.load(directory: root + "/a").identity, b = try Dataset.load(directory: root + "/b").identity
        #expect(a.sha256 == b.sha256 && a.files == b.files)
    }
}

/// Writes a valid dataset, lets `damage` break it, and returns the load error.
private func loadError(gzip: Bool = false, _ damage: (String) throws -> Void) throws -> DatasetError? {
    try withTemporaryDirectory { directory in
        try SyntheticDataset.write(to: directory, trainCount: 40, testCount: 10, seed: 1, gzip: gzip)
        try damage(directory)
        do {
            _ = try Dataset.load(directory: directory)
            return nil
        } catch let error as DatasetError {
            #expect(!error.description.isEmpty)
            return error
        }
    }
}

@Test func wrongMagicIsNamed() throws {
    let error = try loadError { d in
        try write(IDX.encode(magic: 2049, dimensions: [40, 28, 28], body: [UInt8](repeating: 0, count: 40 * 784)), file(d, "train-images-idx3-ubyte"))
    }
    #expect(error == .wrongMagic(file: "", found: 2049, expected: 2051).withFile(error))
    guard case let .wrongMagic(path, found, expected) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(path.hasSuffix("train-images-idx3-ubyte") && found == 2049 && expected == 2051)
}

@Test func wrongDimensionsAreRejected() throws {
    let error = try loadError { d in
        try write(IDX.encode(magic: 2051, dimensions: [40, 0, 28], body: []), file(d, "train-images-idx3-ubyte"))
    }
    guard case .badDimensions = error else { Issue.record("got \(String(describing: error))"); return }
    let mismatch = try loadError { d in
        try write(IDX.encode(magic: 2051, dimensions: [10, 27, 28], body: [UInt8](repeating: 0, count: 10 * 27 * 28)), file(d, "t10k-images-idx3-ubyte"))
    }
    #expect(mismatch == .featureMismatch(train: 784, test: 756))
}

@Test func truncatedFilesAreRejected() throws {
    for gzip in [false, true] {
        let error = try loadError(gzip: gzip) { d in
            let path = file(d, "train-labels-idx1-ubyte") + (gzip ? ".gz" : "")
            if gzip {
                try SyntheticDataset.writeGzip(IDX.encode(magic: 2049, dimensions: [40], body: [UInt8](repeating: 1, count: 39)), to: path)
            } else {
                try write(IDX.encode(magic: 2049, dimensions: [40], body: [UInt8](repeating: 1, count: 39)), path)
            }
        }
        guard case let .truncated(path, expected, actual) = error else { Issue.record("got \(String(describing: error))"); continue }
        #expect(path.contains("train-labels") && expected == 48 && actual == 47)
    }
    let header = try loadError { d in try write([0, 0, 8, 3, 0, 0], file(d, "t10k-images-idx3-ubyte")) }
    guard case .truncated = header else { Issue.record("got \(String(describing: header))"); return }
    let trailing = try loadError { d in
        try write(IDX.encode(magic: 2049, dimensions: [10], body: [UInt8](repeating: 1, count: 11)), file(d, "t10k-labels-idx1-ubyte"))
    }
    guard case .trailingData = trailing else { Issue.record("got \(String(describing: trailing))"); return }
}

@Test func countMismatchIsRejected() throws {
    let error = try loadError { d in
        try write(IDX.encode(magic: 2049, dimensions: [39], body: [UInt8](repeating: 1, count: 39)), file(d, "train-labels-idx1-ubyte"))
    }
    guard case let .countMismatch(_, images, _, labels) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(images == 40 && labels == 39)
}

@Test func labelOutOfRangeIsRejected() throws {
    let error = try loadError { d in
        var labels = [UInt8](repeating: 1, count: 10)
        labels[7] = 10
        try write(IDX.encode(magic: 2049, dimensions: [10], body: labels), file(d, "t10k-labels-idx1-ubyte"))
    }
    guard case let .labelOutOfRange(_, index, label, classes) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(index == 7 && label == 10 && classes == 10)
}

@Test func corruptGzipIsRejected() throws {
    let error = try loadError(gzip: true) { d in
        let path = file(d, "train-images-idx3-ubyte.gz")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        for i in stride(from: 20, to: bytes.count - 8, by: 7) { bytes[i] ^= 0x5A }
        try write(bytes, path)
    }
    guard case .corruptGzip = error else { Issue.record("got \(String(describing: error))"); return }
    let cut = try loadError(gzip: true) { d in
        let path = file(d, "t10k-images-idx3-ubyte.gz")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try write(Array(bytes.prefix(bytes.count / 2)), path)
    }
    switch cut {
    case .corruptGzip, .truncated: break
    default: Issue.record("got \(String(describing: cut))")
    }
}

@Test func missingFilesAndDirectoriesAreNamed() throws {
    let error = try loadError { d in try FileManager.default.removeItem(atPath: file(d, "t10k-labels-idx1-ubyte")) }
    #expect(error.map { if case .missingFile(_, "t10k-labels-idx1-ubyte") = $0 { true } else { false } } == true)
    #expect(throws: DatasetError.notADirectory(path: "/nonexistent/nnreg")) { try Dataset.load(directory: "/nonexistent/nnreg") }
}

private extension DatasetError {
    /// The same case with the file taken from `other`, to compare the rest.
    func withFile(_ other: DatasetError?) -> DatasetError {
        if case let .wrongMagic(_, found, expected) = self, case let .wrongMagic(path, _, _)? = other {
            return .wrongMagic(file: path, found: found, expected: expected)
        }
        return self
    }
}

/// Found by fuzz-idx: a 29-byte `.gz` file (gzip reads non-gzip files as they are) whose header
/// promised 13,303,811 images of 2x554 pixels made the reader allocate and zero 14.7 GB.
@Test func gzipHeaderPromisingGigabytesIsTruncatedWithoutAllocatingThem() throws {
    let error = try loadError(gzip: true) { d in
        let path = file(d, "train-images-idx3-ubyte.gz")
        try FileManager.default.removeItem(atPath: path)
        try write([0, 0, 8, 3, 0, 0xCB, 0, 3, 0, 0, 0, 2, 0, 0, 2, 0x2A, 0x76, 0, 0x1F, 0, 0x50, 0x64, 0x78, 0xA0, 0xB4, 0xC8, 0xDC, 0, 0], path)
    }
    guard case let .truncated(_, expected, actual) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(expected == 16 + 13_303_811 * 2 * 554 && actual == 29)
}

/// The in-memory entry point the fuzzer uses checks what `load(directory:)` checks.
@Test func decodeSplitFromMemory() throws {
    let images = IDX.encode(magic: IDX.imagesMagic, dimensions: [3, 2, 2], body: Array(0..<12))
    let split = try Dataset.decodeSplit(images: images, labels: IDX.encode(magic: IDX.labelsMagic, dimensions: [3], body: [1, 7, 9]))
    #expect(split.count == 3 && split.features == 4 && split.images == Array(0..<12) && split.labels == [1, 7, 9])
    #expect(throws: DatasetError.truncated(file: "images", expectedBytes: 28, actualBytes: 27)) {
        try Dataset.decodeSplit(images: Array(images.dropLast()), labels: IDX.encode(magic: IDX.labelsMagic, dimensions: [3], body: [1, 7, 9]))
    }
    #expect(throws: DatasetError.countMismatch(images: "images", imageCount: 3, labels: "labels", labelCount: 2)) {
        try Dataset.decodeSplit(images: images, labels: IDX.encode(magic: IDX.labelsMagic, dimensions: [2], body: [1, 7]))
    }
    #expect(throws: DatasetError.trailingData(file: "labels")) {
        try Dataset.decodeSplit(images: images, labels: IDX.encode(magic: IDX.labelsMagic, dimensions: [3], body: [1, 7, 9, 0]))
    }
}
