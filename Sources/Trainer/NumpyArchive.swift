import Foundation

/// Reads a dataset from a NumPy `.npz` archive, as written by
/// `numpy.savez(path, x_train=…, y_train=…, x_test=…, y_test=…)` or `numpy.savez_compressed`.
///
/// - `x_train` and `x_test` have shape (n, …), each row flattened to one example, in C order.
///   Both are uint8 (`|u1`: kept as bytes, a feature is byte / 255 as for IDX images) or both
///   float32 (`<f4`, every value finite), with the same width.
/// - `y_train` and `y_test` are 1-D arrays of any integer type with values 0...255, one per row
///   of the matching x; `classes` is the largest label + 1 over both.
/// - Other arrays in the archive are ignored. The identity hashes the archive's bytes.
enum NumpyArchive {
    static let xTypes = "uint8 ('|u1') or float32 ('<f4'); convert with x.astype(numpy.float32)"
    static let yTypes = "an integer type (int8...int64, uint8...uint64); convert with y.astype(numpy.int64)"

    static func load(path: String) throws -> Dataset {
        let bytes = try Dataset.readFile(path)
        let archive = try ZipArchive(bytes: bytes, file: path)
        func array(_ name: String, accepting: [NumpyArray.Element], expected: String) throws -> NumpyArray {
            guard let entry = archive.entries.first(where: { $0.name == name + ".npy" }) else {
                let found = archive.entries.map { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : $0.name }
                throw DatasetError.missingArray(file: path, array: name, found: found)
            }
            return try NumpyArray(npy: archive.contents(of: entry), file: path, array: name, accepting: accepting, expected: expected)
        }
        let train = try split(x: array("x_train", accepting: [.uint8, .float32], expected: xTypes),
                              y: array("y_train", accepting: NumpyArray.Element.integers, expected: yTypes),
                              names: ("x_train", "y_train"), file: path)
        let test = try split(x: array("x_test", accepting: [.uint8, .float32], expected: xTypes),
                             y: array("y_test", accepting: NumpyArray.Element.integers, expected: yTypes),
                             names: ("x_test", "y_test"), file: path)
        guard train.split.features == test.split.features else {
            throw DatasetError.widthMismatch(train: "\(path): x_train", trainWidth: train.split.features,
                                             test: "x_test", testWidth: test.split.features)
        }
        guard train.element == test.element else { throw DatasetError.dtypeMismatch(file: path, train: train.dtype, test: test.dtype) }
        let classes = Int(max(train.split.labels.max() ?? 0, test.split.labels.max() ?? 0)) + 1
        let fileName = (path as NSString).lastPathComponent
        let identity = DatasetIdentity(name: (fileName as NSString).deletingPathExtension, files: [(fileName, bytes)])
        return Dataset(train: train.split, test: test.split, identity: identity, classes: classes)
    }

    /// One split from its x and y arrays, with x's element type and dtype.
    private static func split(x: NumpyArray, y: NumpyArray, names: (x: String, y: String),
                              file: String) throws -> (split: Split, element: NumpyArray.Element, dtype: String) {
        guard let rows = x.shape.first, x.shape.dropFirst().allSatisfy({ $0 > 0 }) else {
            throw DatasetError.badShape(file: file, array: names.x, shape: NumpyArray.describe(x.shape),
                                        expected: "(n, …), one non-empty row per example")
        }
        guard rows > 0 else { throw DatasetError.emptyArray(file: file, array: names.x) }
        let features = x.count / rows
        guard y.shape.count == 1 else {
            throw DatasetError.badShape(file: file, array: names.y, shape: NumpyArray.describe(y.shape),
                                        expected: "(n,), one label per example; save y.ravel()")
        }
        guard y.shape[0] == rows else {
            throw DatasetError.arrayRowMismatch(file: file, x: names.x, xRows: rows, y: names.y, yRows: y.shape[0])
        }
        var labels = [UInt8]()
        labels.reserveCapacity(rows)
        for index in 0..<rows {
            guard let label = y.integer(at: index), let byte = UInt8(exactly: label) else {
                throw DatasetError.arrayLabelOutOfRange(file: file, array: names.y, index: index, label: y.integerText(at: index))
            }
            labels.append(byte)
        }
        if x.element == .uint8 {
            return (Split(count: rows, features: features, images: Array(x.data), labels: labels), x.element, x.dtype)
        }
        let values = x.floats()
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw DatasetError.arrayNotFinite(file: file, array: names.x, row: index / features, column: index % features)
        }
        return (Split(count: rows, features: features, floats: values, labels: labels), x.element, x.dtype)
    }
}
