import Foundation
import Testing
@testable import Trainer

// Users' own data: CSV files and NumPy .npz archives through `Dataset.load(path:)`. The archives are
// written by numpy itself, the peer that defines the format.

private func write(_ text: String, _ path: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }

private func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

private func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

/// The error loading `path` throws, checked to be one line (nil when it loads).
private func loadError(_ path: String) -> DatasetError? {
    do {
        _ = try Dataset.load(path: path)
        return nil
    } catch let error as DatasetError {
        #expect(!error.description.contains("\n"), "not one line: \(error)")
        return error
    } catch {
        Issue.record("not a DatasetError: \(error)")
        return nil
    }
}

private func floats(_ split: Split) -> [Float] {
    if case let .floats(values) = split.values { return values }
    Issue.record("expected float features")
    return []
}

// MARK: - Choosing the reader

@Test func pathChoosesTheReader() throws {
    try withTemporaryDirectory { d in
        try SyntheticDataset.write(to: d + "/digits", trainCount: 20, testCount: 5, seed: 3)
        let idx = try Dataset.load(path: d + "/digits"), directory = try Dataset.load(directory: d + "/digits")
        #expect(idx.identity == directory.identity && idx.train.images?.count == 20 * 784)

        try write("label,a\n" + (0..<5).map { "\($0),\($0)\n" }.joined(), d + "/UPPER.CSV")
        let upper = try Dataset.load(path: d + "/UPPER.CSV")
        #expect(upper.train.count == 4 && upper.identity.name == "UPPER")

        try write("hello", d + "/notes.txt")
        #expect(loadError(d + "/notes.txt") == .unsupportedFormat(path: d + "/notes.txt"))
        #expect(loadError(d + "/absent.csv") == .noDataset(path: d + "/absent.csv"))
    }
}

// MARK: - CSV

@Test func csvWithHeaderFindsTheLabelColumnByName() throws {
    try withTemporaryDirectory { d in
        let text = "width,height,label,depth\n" + (0..<10).map { "\($0).5, \(-$0),\($0 % 3),1e-3\n" }.joined()
        try write(text, d + "/boxes.csv")
        let dataset = try Dataset.load(path: d + "/boxes.csv")
        #expect(dataset.train.features == 3 && dataset.test.features == 3)
        #expect(dataset.train.count == 8 && dataset.test.count == 2)
        #expect(dataset.train.labels == [0, 1, 2, 0, 2, 0, 1, 2])
        #expect(dataset.test.labels == [1, 0])
        #expect(floats(dataset.train) == [0.5, 0, 0.001, 1.5, -1, 0.001, 2.5, -2, 0.001, 3.5, -3, 0.001,
                                          5.5, -5, 0.001, 6.5, -6, 0.001, 7.5, -7, 0.001, 8.5, -8, 0.001])
        #expect(dataset.test.row(1) == [9.5, -9, 0.001])
        #expect(dataset.classes == 3 && dataset.identity.name == "boxes")
        #expect(Array(dataset.identity.files.keys) == ["boxes.csv"] && dataset.identity.sha256.count == 64)
    }
}

@Test func csvWithoutHeaderHasItsLabelFirst() throws {
    try withTemporaryDirectory { d in
        try write((0..<6).map { "\($0 + 4),0.25,\(Float($0) * 0.5)\n" }.joined(), d + "/plain.csv")
        let dataset = try Dataset.load(path: d + "/plain.csv")
        #expect(dataset.train.features == 2 && dataset.train.count == 5 && dataset.test.count == 1)
        #expect(dataset.train.labels == [4, 5, 6, 7, 9] && dataset.test.labels == [8])
        #expect(dataset.test.row(0) == [0.25, 2] && dataset.classes == 10)
    }
}

@Test(arguments: [("class", 1), ("Target", 1), ("y", 1), ("\"LABEL\"", 1), ("kind", 0)])
func csvLabelColumnNames(name: String, column: Int) throws {
    try withTemporaryDirectory { d in
        try write("a,\(name),b\n" + (0..<5).map { "\($0 + 10),\($0),\($0 + 20)\n" }.joined(), d + "/named.csv")
        let dataset = try Dataset.load(path: d + "/named.csv")
        #expect(dataset.train.labels == (column == 1 ? [0, 1, 2, 3] : [10, 11, 12, 13]))
        #expect(dataset.train.row(0) == (column == 1 ? [10, 20] : [0, 20]))
    }
}

@Test func csvPrefersTheColumnNamedLabel() throws {
    try withTemporaryDirectory { d in
        try write("y,a,label\n" + (0..<5).map { "\($0 + 100),0,\($0)\n" }.joined(), d + "/both.csv")
        let dataset = try Dataset.load(path: d + "/both.csv")
        #expect(dataset.train.labels == [0, 1, 2, 3] && dataset.train.row(1) == [101, 0])
    }
}

/// A file sorted by label still gives a test split with every class.
@Test func csvTestSplitIsEveryFifthRow() throws {
    try withTemporaryDirectory { d in
        let text = "label,x\n" + (0..<20).map { "\($0 / 5),\($0)\n" }.joined()
        try write(text, d + "/sorted.csv")
        let dataset = try Dataset.load(path: d + "/sorted.csv")
        #expect(dataset.test.labels == [0, 1, 2, 3] && floats(dataset.test) == [4, 9, 14, 19])
        #expect(dataset.train.count == 16 && (0..<4).allSatisfy { c in dataset.train.labels.filter { $0 == c }.count == 4 })
        #expect(!floats(dataset.train).contains(4) && floats(dataset.train).contains(5))
    }
}

@Test func csvCompanionFileIsTheTestSplit() throws {
    try withTemporaryDirectory { d in
        try write("label,a,b\n" + (0..<6).map { "\($0 % 2),\($0),1\n" }.joined(), d + "/pairs.csv")
        // Its own header, with the label last; its largest label sets the class count.
        try write("a,b,label\n-1,-2,7\n\n-3,-4,0\n", d + "/pairs.test.csv")
        let dataset = try Dataset.load(path: d + "/pairs.csv")
        #expect(dataset.train.count == 6 && dataset.train.labels == [0, 1, 0, 1, 0, 1])
        #expect(dataset.test.count == 2 && dataset.test.labels == [7, 0] && floats(dataset.test) == [-1, -2, -3, -4])
        #expect(dataset.classes == 8 && dataset.identity.name == "pairs")
        #expect(Set(dataset.identity.files.keys) == ["pairs.csv", "pairs.test.csv"])
    }
}

/// The identity hashes each file's bytes, then the hex hashes concatenated (checked with sha256sum).
@Test func csvIdentityHashesTheFiles() throws {
    try withTemporaryDirectory { d in
        try write("label,a\n1,2\n", d + "/one.csv")
        try write("label,a\n3,4\n", d + "/one.test.csv")
        let identity = try Dataset.load(path: d + "/one.csv").identity
        #expect(identity.files == ["one.csv": "ac5b90817b3e1518de6894f3edbbab18ab3314274dc3cdf2b3d28ee06f16ea7d",
                                   "one.test.csv": "3fbd477386ba231e502465284cf685bd130fb985a2ba71d6ecc83d36b7aaf6b2"])
        #expect(identity.sha256 == "db6313528cee26328194acf184a168512ce03c4f83ee9bca7d294f13a29c93d2")
    }
}

@Test func csvReadsCRLFAndAByteOrderMark() throws {
    try withTemporaryDirectory { d in
        try write("\u{FEFF}label,a\r\n" + (0..<5).map { "\($0),\($0).25\r\n" }.joined(), d + "/windows.csv")
        let dataset = try Dataset.load(path: d + "/windows.csv")
        #expect(dataset.train.labels == [0, 1, 2, 3] && floats(dataset.test) == [4.25])
    }
}

/// Writes `text` as data.csv (and `companion` as data.test.csv), loads it and returns the error.
private func csvError(_ text: String, companion: String? = nil) throws -> (error: DatasetError?, directory: String) {
    try withTemporaryDirectory { d in
        try write(text, d + "/data.csv")
        if let companion { try write(companion, d + "/data.test.csv") }
        return (loadError(d + "/data.csv"), d)
    }
}

private let goodRows = (0..<5).map { "\($0),1,2\n" }.joined()

@Test func csvRaggedRowIsNamed() throws {
    let (error, d) = try csvError("label,a,b\n0,1,2\n1,2,3\n2,3\n" + goodRows)
    #expect(error == .csvRaggedRow(file: d + "/data.csv", line: 4, cells: 2, expected: 3))
    #expect(error?.description.contains("data.csv line 4 has 2 cells") == true)
}

@Test func csvNonNumericCellIsNamed() throws {
    let (error, d) = try csvError("label,a,b\n0,1,2\n1,abc,3\n" + goodRows)
    #expect(error == .csvNotANumber(file: d + "/data.csv", line: 3, column: 2, cell: "abc"))
    #expect(error?.description.contains("line 3 column 2: 'abc' is not a number") == true)
    let (empty, e) = try csvError(goodRows + "1,,3\n")
    #expect(empty == .csvNotANumber(file: e + "/data.csv", line: 6, column: 2, cell: ""))
}

@Test(arguments: ["nan", "NaN", "inf", "-infinity", "1e39"])
func csvNonFiniteCellIsNamed(cell: String) throws {
    let (error, d) = try csvError(goodRows + "1,2,\(cell)\n")
    #expect(error == .csvNotFinite(file: d + "/data.csv", line: 6, column: 3, cell: cell))
    #expect(error?.description.contains("line 6 column 3") == true)
}

@Test(arguments: ["256", "-1", "2.5", "seven", ""])
func csvBadLabelIsNamed(label: String) throws {
    let (error, d) = try csvError("label,a\n" + (0..<6).map { "\($0),1\n" }.joined() + "\(label),3\n")
    #expect(error == .csvBadLabel(file: d + "/data.csv", line: 8, cell: label))
    #expect(error?.description.contains("line 8: label '\(label)' is not an integer in 0...255") == true)
}

@Test func csvIntegralFloatLabelsAreLabels() throws {
    try withTemporaryDirectory { d in
        try write("label,a\n" + (0..<5).map { "\($0).0,1\n" }.joined(), d + "/floats.csv")
        #expect(try Dataset.load(path: d + "/floats.csv").train.labels == [0, 1, 2, 3])
    }
}

@Test func csvWithoutRowsIsRefused() throws {
    let (headerOnly, d) = try csvError("label,a,b\n\n")
    #expect(headerOnly == .csvNoRows(file: d + "/data.csv"))
    let (empty, e0) = try csvError("")
    #expect(empty == .csvNoRows(file: e0 + "/data.csv"))
    let (onlyLabels, e) = try csvError("label\n" + (0..<5).map { "\($0)\n" }.joined())
    #expect(onlyLabels == .csvNoFeatures(file: e + "/data.csv"))
}

@Test func csvWithoutTestRowsIsRefused() throws {
    let (error, d) = try csvError("label,a\n0,1\n1,2\n0,3\n1,4\n")
    #expect(error == .csvTooFewRowsToSplit(file: d + "/data.csv", rows: 4, companion: "data.test.csv"))
    #expect(error?.description.contains("put test rows in data.test.csv") == true)
    let (emptyCompanion, e) = try csvError(goodRows, companion: "label,a,b\n")
    #expect(emptyCompanion == .csvNoRows(file: e + "/data.test.csv"))
}

@Test func csvCompanionErrorsNameTheCompanion() throws {
    let (width, d) = try csvError(goodRows, companion: "1,2\n")
    #expect(width == .widthMismatch(train: d + "/data.csv", trainWidth: 2, test: d + "/data.test.csv", testWidth: 1))
    let (cell, e) = try csvError(goodRows, companion: "1,2,3\n1,2,x\n")
    #expect(cell == .csvNotANumber(file: e + "/data.test.csv", line: 2, column: 3, cell: "x"))
}

// MARK: - NumPy archives written by numpy

/// numpy in the project's virtual environment (`make venv`). Like the nnreg peer tests, these never
/// skip, in CI or not: without the environment they fail with the command that makes it.
private enum Numpy {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let python = ProcessInfo.processInfo.environment["NNREG_PYTHON"] ?? packageRoot + "/.venv/bin/python3"

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Defines `out` (the archive to write), `arrays(…)` (a valid dataset's arrays), `npy(a)` (the
    /// .npy bytes of `a`), `raw_npy(header, data)` (hand-made .npy bytes) and `write_zip(entries)`.
    static let prelude = """
    import io, sys, zipfile
    import numpy as np
    out = sys.argv[1]
    rng = np.random.default_rng(7)
    def arrays(x_dtype=np.uint8, train=20, test=5, shape=(3, 2)):
        def x(n):
            if x_dtype == np.uint8:
                return rng.integers(0, 256, (n,) + shape, dtype=np.uint8)
            return rng.standard_normal((n,) + shape).astype(x_dtype)
        return dict(x_train=x(train), y_train=rng.integers(0, 4, train), x_test=x(test), y_test=rng.integers(0, 4, test))
    def npy(a):
        buffer = io.BytesIO()
        np.save(buffer, a)
        return buffer.getvalue()
    def raw_npy(header, data, version=(1, 0)):
        size = len(header).to_bytes(2 if version[0] == 1 else 4, 'little')
        return b'\\x93NUMPY' + bytes(version) + size + header.encode() + data
    def write_zip(entries, compression=zipfile.ZIP_STORED):
        with zipfile.ZipFile(out, 'w', compression=compression) as z:
            for name, data in entries.items():
                z.writestr(name, data)
    d = arrays()

    """

    /// Runs the prelude and `code` with `out` = `path`.
    static func run(_ code: String, out path: String) throws {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "no numpy at \(python): run 'make venv'; these checks never skip")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", prelude + code, path]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python exited \(process.terminationStatus): \(String(decoding: message, as: UTF8.self))")
        }
    }
}

struct SavedArchive: Sendable, CustomTestStringConvertible {
    let save: String, x: String, y: String
    var testDescription: String { "numpy.\(save), x \(x), y \(y)" }
}

private let savedArchives = ["savez", "savez_compressed"].flatMap { save in
    ["uint8", "float32"].flatMap { x in ["int64", "uint8"].map { y in SavedArchive(save: save, x: x, y: y) } }
}

/// numpy writes the archive and each array's bytes beside it (`tofile`: C order, little-endian);
/// every value loaded must equal numpy's, bit for bit.
@Test(arguments: savedArchives)
func numpyArchivesLoadExactly(archive: SavedArchive) throws {
    try withTemporaryDirectory { d in
        let path = d + "/saved.npz"
        try Numpy.run("""
        d = arrays(np.\(archive.x), train=40, test=9, shape=(4, 3))
        if d['x_train'].dtype == np.float32:
            d['x_train'].flat[:4] = [-0.0, 1e-45, 3.4e38, -1.5]
        d['y_train'] = d['y_train'].astype(np.\(archive.y))
        d['y_test'] = d['y_test'].astype(np.\(archive.y))
        d['y_test'][0] = 9
        np.\(archive.save)(out, **d)
        for name, a in d.items():
            a.tofile(out + '.' + name)
        """, out: path)
        let dataset = try Dataset.load(path: path)
        #expect(dataset.train.count == 40 && dataset.test.count == 9 && dataset.train.features == 12 && dataset.test.features == 12)
        for (split, name) in [(dataset.train, "train"), (dataset.test, "test")] {
            let x = try read(path + ".x_\(name)"), y = try read(path + ".y_\(name)")
            if archive.x == "uint8" {
                #expect(split.images == x)
            } else {
                let expected = stride(from: 0, to: x.count, by: 4).map {
                    UInt32(x[$0]) | UInt32(x[$0 + 1]) << 8 | UInt32(x[$0 + 2]) << 16 | UInt32(x[$0 + 3]) << 24
                }
                #expect(floats(split).map(\.bitPattern) == expected)
            }
            let labelSize = archive.y == "uint8" ? 1 : 8
            let labels = stride(from: 0, to: y.count, by: labelSize).map { y[$0] }  // little-endian, all below 256
            #expect(split.labels == labels)
        }
        #expect(dataset.test.labels[0] == 9 && dataset.classes == 10)
        #expect(dataset.identity.name == "saved" && dataset.identity.files.keys.sorted() == ["saved.npz"])
        if archive.x == "float32" { #expect(dataset.train.row(0).prefix(4).map(\.bitPattern) == [-0.0, Float.leastNonzeroMagnitude, 3.4e38, -1.5].map(\.bitPattern)) }
    }
}

/// One way to break an archive: Python that writes it, and what the error must be.
struct BrokenArchive: Sendable, CustomTestStringConvertible {
    let name: String
    let python: String
    /// Checks the error for the archive at the given path.
    let check: @Sendable (DatasetError, String) -> Bool
    var testDescription: String { name }
}

private let brokenArchives: [BrokenArchive] = [
    BrokenArchive(name: "missing array", python: "del d['y_test']; np.savez(out, **d)") {
        $0 == .missingArray(file: $1, array: "y_test", found: ["x_train", "y_train", "x_test"])
    },
    BrokenArchive(name: "float64 x", python: "d['x_train'] = d['x_train'] / 255.0; np.savez(out, **d)") {
        $0 == .unsupportedDtype(file: $1, array: "x_train", dtype: "<f8", expected: NumpyArchive.xTypes)
    },
    BrokenArchive(name: "float y", python: "d['y_test'] = d['y_test'].astype(np.float32); np.savez(out, **d)") {
        $0 == .unsupportedDtype(file: $1, array: "y_test", dtype: "<f4", expected: NumpyArchive.yTypes)
    },
    BrokenArchive(name: "big-endian x", python: "d = arrays(np.float32); d['x_train'] = d['x_train'].astype('>f4'); np.savez(out, **d)") {
        $0 == .bigEndianArray(file: $1, array: "x_train", dtype: ">f4")
    },
    BrokenArchive(name: "big-endian y", python: "d['y_train'] = d['y_train'].astype('>i8'); np.savez(out, **d)") {
        $0 == .bigEndianArray(file: $1, array: "y_train", dtype: ">i8")
    },
    BrokenArchive(name: "Fortran order", python: "d['x_test'] = np.asfortranarray(d['x_test']); np.savez(out, **d)") {
        $0 == .fortranOrderArray(file: $1, array: "x_test")
    },
    BrokenArchive(name: "rows of x and y differ", python: "d['y_train'] = d['y_train'][:19]; np.savez(out, **d)") {
        $0 == .arrayRowMismatch(file: $1, x: "x_train", xRows: 20, y: "y_train", yRows: 19)
    },
    BrokenArchive(name: "empty test split", python: "d['x_test'] = d['x_test'][:0]; d['y_test'] = d['y_test'][:0]; np.savez(out, **d)") {
        $0 == .emptyArray(file: $1, array: "x_test")
    },
    BrokenArchive(name: "label 256", python: "d['y_train'][3] = 256; np.savez(out, **d)") {
        $0 == .arrayLabelOutOfRange(file: $1, array: "y_train", index: 3, label: "256")
    },
    BrokenArchive(name: "negative label", python: "d['y_test'] = d['y_test'].astype(np.int8); d['y_test'][2] = -1; np.savez(out, **d)") {
        $0 == .arrayLabelOutOfRange(file: $1, array: "y_test", index: 2, label: "-1")
    },
    BrokenArchive(name: "huge uint64 label", python: "d['y_test'] = d['y_test'].astype(np.uint64); d['y_test'][1] = 2**64 - 1; np.savez(out, **d)") {
        $0 == .arrayLabelOutOfRange(file: $1, array: "y_test", index: 1, label: "18446744073709551615")
    },
    BrokenArchive(name: "NaN feature", python: "d = arrays(np.float32); d['x_test'][2, 1, 0] = np.nan; np.savez_compressed(out, **d)") {
        $0 == .arrayNotFinite(file: $1, array: "x_test", row: 2, column: 2)
    },
    BrokenArchive(name: "infinite feature", python: "d = arrays(np.float32); d['x_train'][19, 2, 1] = -np.inf; np.savez(out, **d)") {
        $0 == .arrayNotFinite(file: $1, array: "x_train", row: 19, column: 5)
    },
    BrokenArchive(name: "truncated .npy", python: "write_zip({k + '.npy': npy(v)[:-7] if k == 'x_train' else npy(v) for k, v in d.items()})") {
        guard case let .truncatedArray(file, "x_train", expected, actual) = $0 else { return false }
        return file == $1 && actual == expected - 7
    },
    BrokenArchive(name: "10^12 rows claimed", python: """
        entries = {k + '.npy': npy(v) for k, v in d.items()}
        entries['x_train.npy'] = raw_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1000000000000, 784), }", bytes(100))
        write_zip(entries, zipfile.ZIP_DEFLATED)
        """) {
        guard case let .truncatedArray(file, "x_train", expected, _) = $0 else { return false }
        return file == $1 && expected > 784_000_000_000_000
    },
    BrokenArchive(name: "shape overflowing", python: """
        entries = {k + '.npy': npy(v) for k, v in d.items()}
        entries['y_test.npy'] = raw_npy("{'descr': '<i8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", bytes(8), (2, 0))
        write_zip(entries)
        """) {
        guard case let .badArray(file, "y_test", reason) = $0 else { return false }
        return file == $1 && reason.contains("more data than a file can hold")
    },
    BrokenArchive(name: "not a .npy", python: "write_zip({k + '.npy': b'hello, world' if k == 'y_train' else npy(v) for k, v in d.items()})") {
        guard case let .badArray(file, "y_train", reason) = $0 else { return false }
        return file == $1 && reason.contains("\\x93NUMPY")
    },
    BrokenArchive(name: "header not a dict", python: """
        write_zip({k + '.npy': raw_npy("descr = '<i8'", bytes(8)) if k == 'y_train' else npy(v) for k, v in d.items()})
        """) {
        guard case let .badArray(file, "y_train", reason) = $0 else { return false }
        return file == $1 && reason.contains("not a Python dict")
    },
    BrokenArchive(name: ".npy version 9.0", python: """
        write_zip({k + '.npy': raw_npy("{}", b'', (9, 0)) if k == 'x_test' else npy(v) for k, v in d.items()})
        """) {
        guard case let .badArray(file, "x_test", reason) = $0 else { return false }
        return file == $1 && reason.contains("version 9.0")
    },
    BrokenArchive(name: "2-D labels", python: "d['y_train'] = d['y_train'].reshape(-1, 1); np.savez(out, **d)") {
        guard case let .badShape(file, "y_train", "(20, 1)", expected) = $0 else { return false }
        return file == $1 && expected.hasPrefix("(n,)")
    },
    BrokenArchive(name: "scalar x", python: "d['x_test'] = np.uint8(3); np.savez(out, **d)") {
        guard case .badShape($1, "x_test", "()", _) = $0 else { return false }
        return true
    },
    BrokenArchive(name: "empty rows", python: "d['x_train'] = np.zeros((20, 0), np.uint8); np.savez(out, **d)") {
        guard case .badShape($1, "x_train", "(20, 0)", _) = $0 else { return false }
        return true
    },
    BrokenArchive(name: "widths differ", python: "d['x_test'] = d['x_test'].reshape(5, 6)[:, :5].copy(); np.savez(out, **d)") {
        $0 == .widthMismatch(train: $1 + ": x_train", trainWidth: 6, test: "x_test", testWidth: 5)
    },
    BrokenArchive(name: "dtypes differ", python: "d['x_test'] = d['x_test'].astype(np.float32); np.savez(out, **d)") {
        $0 == .dtypeMismatch(file: $1, train: "|u1", test: "<f4")
    },
    BrokenArchive(name: "bzip2 entries", python: "write_zip({k + '.npy': npy(v) for k, v in d.items()}, zipfile.ZIP_BZIP2)") {
        guard case let .unsupportedArchive(file, reason) = $0 else { return false }
        return file == $1 && reason.contains("compression method 12")
    },
    BrokenArchive(name: "a .npy saved as .npz", python: "np.save(open(out, 'wb'), d['x_train'])") {
        guard case let .corruptArchive(file, reason) = $0 else { return false }
        return file == $1 && reason.contains("no end-of-central-directory record")
    },
]

@Test(arguments: brokenArchives)
func brokenArchiveIsNamed(archive: BrokenArchive) throws {
    try withTemporaryDirectory { d in
        let path = d + "/broken.npz"
        try Numpy.run(archive.python, out: path)
        let error = try #require(loadError(path))
        #expect(archive.check(error, path), "\(error)")
        #expect(error.description.hasPrefix(path), "\(error)")
    }
}

/// The offset and length of `name`'s data in the archive at `path`.
private func entryData(_ name: String, in bytes: [UInt8], path: String) throws -> (start: Int, count: Int) {
    let archive = try ZipArchive(bytes: bytes, file: path)
    let entry = try #require(archive.entries.first { $0.name == name })
    let header = entry.localHeaderOffset
    let nameLength = Int(bytes[header + 26]) | Int(bytes[header + 27]) << 8
    let extraLength = Int(bytes[header + 28]) | Int(bytes[header + 29]) << 8
    return (header + 30 + nameLength + extraLength, entry.compressedSize)
}

/// Truncated archives and flipped bytes in deflated and stored data end in one clean error.
@Test func damagedArchivesAreRefused() throws {
    try withTemporaryDirectory { d in
        for save in ["savez_compressed", "savez"] {
            let path = d + "/\(save).npz"
            // Small values, so that deflate codes them (random bytes would be stored blocks).
            try Numpy.run("d = arrays(train=1000); d['x_train'] //= 32; np.\(save)(out, **d)", out: path)
            let good = try read(path)
            for cut in [good.count / 2, good.count - 1, 30, 0] {
                try write(Array(good.prefix(cut)), path)
                guard case let .corruptArchive(file, reason)? = loadError(path) else { Issue.record("cut at \(cut) loads"); continue }
                #expect(file == path && (reason.contains("end-of-central-directory") || reason.contains("too short")), "\(reason)")
            }
            let data = try entryData("x_train.npy", in: good, path: path)
            #expect(data.count > 1000 && (save == "savez" || data.count < 4000), "\(data.count)")
            for offset in stride(from: 0, to: data.count, by: data.count / 10) {
                var bytes = good
                for i in 0..<3 { bytes[data.start + min(offset + i, data.count - 1)] ^= 0xA5 }
                try write(bytes, path)
                guard case let .corruptArchive(file, reason)? = loadError(path) else {
                    Issue.record("\(save): flipped bytes at \(offset) load"); continue
                }
                #expect(file == path && reason.hasPrefix("entry x_train.npy: "), "\(reason)")
            }
            // An entry count of 0xFFFF is the ZIP64 marker.
            var zip64 = good
            zip64[good.count - 22 + 10] = 0xFF
            zip64[good.count - 22 + 11] = 0xFF
            try write(zip64, path)
            guard case .unsupportedArchive(path, let reason)? = loadError(path) else { Issue.record("ZIP64 loads"); continue }
            #expect(reason.contains("ZIP64"))
        }
    }
}
