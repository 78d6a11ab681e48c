/// Feature rows for prediction from NumPy files: a `.npy` array, or one array of a `.npz` archive
/// (`x_test`, else `x`, else its only array). The first axis is the rows and the others are
/// flattened (shape `(n, 28, 28)` or `(n, 784)`); a 1-D array is one row. uint8 keeps its bytes
/// (a feature is byte / 255, as for IDX images); float32 is taken as it is and float64 rounded to
/// the nearest float32; every value must be finite. Throws `DatasetError` naming the file and array.
public enum FeatureArrays {
    static let types = "uint8 ('|u1'), float32 ('<f4') or float64 ('<f8')"

    /// The rows of a `.npy` file's bytes.
    public static func rows(npy bytes: [UInt8], file: String) throws -> Split {
        try split(NumpyArray(npy: bytes, file: file, array: "array", accepting: [.uint8, .float32, .float64], expected: types),
                  file: file, array: "array")
    }

    /// The rows of one array of a `.npz` archive's bytes.
    public static func rows(npz bytes: [UInt8], file: String) throws -> Split {
        let archive = try ZipArchive(bytes: bytes, file: file)
        let arrays = archive.entries.filter { $0.name.hasSuffix(".npy") }
        let names = arrays.map { String($0.name.dropLast(4)) }
        guard let chosen = ["x_test", "x"].compactMap({ name in arrays.first { $0.name == name + ".npy" } }).first
                ?? (arrays.count == 1 ? arrays.first : nil)
        else { throw DatasetError.noFeatureArray(file: file, found: names) }
        let name = String(chosen.name.dropLast(4))
        let array = try NumpyArray(npy: archive.contents(of: chosen), file: file, array: name,
                                   accepting: [.uint8, .float32, .float64], expected: types)
        return try split(array, file: file, array: name)
    }

    private static func split(_ x: NumpyArray, file: String, array: String) throws -> Split {
        let rows = x.shape.count <= 1 ? 1 : x.shape[0]
        guard x.count > 0, rows > 0 else { throw DatasetError.noFeatureRows(file: file, array: array) }
        let features = x.count / rows
        let labels = [UInt8](repeating: 0, count: rows)
        if x.element == .uint8 { return Split(count: rows, features: features, images: Array(x.data), labels: labels) }
        let values = x.floats()
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw DatasetError.arrayNotFinite(file: file, array: array, row: index / features, column: index % features)
        }
        return Split(count: rows, features: features, floats: values, labels: labels)
    }
}
