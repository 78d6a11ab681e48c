/// Why a dataset (a directory of IDX files, a CSV file or a NumPy archive) could not be loaded.
/// Each case names the file, and the line or array where it can, and says what to do.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case notADirectory(path: String)
    case missingFile(directory: String, name: String)
    case unreadable(file: String, reason: String)
    case corruptGzip(file: String, reason: String)
    case wrongMagic(file: String, found: UInt32, expected: UInt32)
    case badDimensions(file: String, reason: String)
    case truncated(file: String, expectedBytes: Int, actualBytes: Int)
    case trailingData(file: String)
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    case labelOutOfRange(file: String, index: Int, label: Int, classes: Int)
    case featureMismatch(train: Int, test: Int)

    // Any format.
    case noDataset(path: String)
    case unsupportedFormat(path: String)
    /// Training and test examples of different widths (`train`, `test` name the files or arrays).
    case widthMismatch(train: String, trainWidth: Int, test: String, testWidth: Int)

    // CSV files; `line` is 1-based, counting the header, `column` is 1-based.
    case csvNoRows(file: String)
    case csvNoFeatures(file: String)
    case csvTooFewRowsToSplit(file: String, rows: Int, companion: String)
    case csvRaggedRow(file: String, line: Int, cells: Int, expected: Int)
    case csvNotANumber(file: String, line: Int, column: Int, cell: String)
    case csvNotFinite(file: String, line: Int, column: Int, cell: String)
    case csvBadLabel(file: String, line: Int, cell: String)

    // NumPy archives; `array` is the entry's name without `.npy`.
    case corruptArchive(file: String, reason: String)
    case unsupportedArchive(file: String, reason: String)
    case missingArray(file: String, array: String, found: [String])
    case badArray(file: String, array: String, reason: String)
    /// `shape` as Python writes it, `expected` what it must be.
    case badShape(file: String, array: String, shape: String, expected: String)
    case truncatedArray(file: String, array: String, expectedBytes: Int, actualBytes: Int)
    case unsupportedDtype(file: String, array: String, dtype: String, expected: String)
    case bigEndianArray(file: String, array: String, dtype: String)
    case fortranOrderArray(file: String, array: String)
    case emptyArray(file: String, array: String)
    case arrayNotFinite(file: String, array: String, row: Int, column: Int)
    case arrayLabelOutOfRange(file: String, array: String, index: Int, label: String)
    case arrayRowMismatch(file: String, x: String, xRows: Int, y: String, yRows: Int)
    case dtypeMismatch(file: String, train: String, test: String)
    /// Rows to predict: an archive without x_test, x or a single array; an array with no values.
    case noFeatureArray(file: String, found: [String])
    case noFeatureRows(file: String, array: String)

    public var description: String {
        let hint = "re-download or regenerate the dataset (IDX format, see http://yann.lecun.com/exdb/mnist/)"
        switch self {
        case let .notADirectory(path):
            return "\(path) is not a directory; pass a directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may be .gz)"
        case let .missingFile(directory, name):
            return "\(directory) has no \(name) (nor \(name).gz); put the four MNIST IDX files there (e.g. `make mnist`)"
        case let .unreadable(file, reason):
            return "cannot read \(file): \(reason); check the path and its permissions"
        case let .corruptGzip(file, reason):
            return "\(file) is not a valid gzip file (\(reason)); \(hint)"
        case let .wrongMagic(file, found, expected):
            return "\(file) starts with magic number \(found), expected \(expected) (\(expected == IDX.imagesMagic ? "unsigned-byte images" : "unsigned-byte labels")); is it the right file? \(hint)"
        case let .badDimensions(file, reason):
            return "\(file) has unusable dimensions (\(reason)); \(hint)"
        case let .truncated(file, expected, actual):
            return "\(file) is truncated: its header promises \(expected) bytes, it has \(actual); \(hint)"
        case let .trailingData(file):
            return "\(file) has bytes after the data its header describes; \(hint)"
        case let .countMismatch(images, imageCount, labels, labelCount):
            return "\(images) has \(imageCount) images but \(labels) has \(labelCount) labels; use files from the same dataset"
        case let .labelOutOfRange(file, index, label, classes):
            return "\(file) has label \(label) at index \(index), but labels must be below \(classes); \(hint)"
        case let .featureMismatch(train, test):
            return "training images have \(train) pixels but test images have \(test); use files from the same dataset"

        case let .noDataset(path):
            return "nothing at \(path); pass a directory of IDX files, a .csv file or a .npz archive"
        case let .unsupportedFormat(path):
            return "\(path) is not a directory of IDX files, a .csv file or a .npz archive; convert it to CSV (a label column and number columns) or save it with numpy.savez"
        case let .widthMismatch(train, trainWidth, test, testWidth):
            return "\(train) has \(trainWidth) features per example but \(test) has \(testWidth); training and test data need the same columns"

        case let .csvNoRows(file):
            return "\(file) has no data rows; a CSV dataset needs a label column and number columns, one example per line"
        case let .csvNoFeatures(file):
            return "\(file) has only a label column; add the feature columns"
        case let .csvTooFewRowsToSplit(file, rows, companion):
            return "\(file) has \(rows) data rows, too few for a test split (every fifth row); add rows, or put test rows in \(companion)"
        case let .csvRaggedRow(file, line, cells, expected):
            return "\(file) line \(line) has \(cells) cells, but the first row has \(expected); give every row the same columns"
        case let .csvNotANumber(file, line, column, cell):
            return "\(file) line \(line) column \(column): '\(cell)' is not a number; every cell below the header must be a number"
        case let .csvNotFinite(file, line, column, cell):
            return "\(file) line \(line) column \(column): '\(cell)' is not a finite 32-bit number (NaN, infinite or too large); replace it or drop the row"
        case let .csvBadLabel(file, line, cell):
            return "\(file) line \(line): label '\(cell)' is not an integer in 0...255; labels must be class numbers from 0 to 255"

        case let .corruptArchive(file, reason):
            return "\(file) is not a readable .npz archive (\(reason)); write it again with numpy.savez or numpy.savez_compressed"
        case let .unsupportedArchive(file, reason):
            return "\(file) uses \(reason), which nnreg does not read (it reads stored and deflated entries of archives under 4 GB); write it again with numpy.savez or numpy.savez_compressed"
        case let .missingArray(file, array, found):
            let present = found.isEmpty ? "no arrays" : found.joined(separator: ", ")
            return "\(file) has no array \(array) (it has \(present)); save it with numpy.savez(path, x_train=…, y_train=…, x_test=…, y_test=…)"
        case let .noFeatureArray(file, found):
            let present = found.isEmpty ? "no arrays" : found.joined(separator: ", ")
            return "\(file) has no array x_test or x (it has \(present)); save the rows to predict with numpy.savez(path, x=rows)"
        case let .noFeatureRows(file, array):
            return "\(file): \(array) holds no values; give at least one row to predict"
        case let .badArray(file, array, reason):
            return "\(file): \(array) is not a usable .npy array (\(reason)); save it again with numpy.savez"
        case let .badShape(file, array, shape, expected):
            return "\(file): \(array) has shape \(shape), but it must be \(expected)"
        case let .truncatedArray(file, array, expected, actual):
            return "\(file): \(array) is truncated: its header promises \(expected) bytes of .npy, it has \(actual); save it again with numpy.savez"
        case let .unsupportedDtype(file, array, dtype, expected):
            return "\(file): \(array) has dtype '\(dtype)', but it must be \(expected)"
        case let .bigEndianArray(file, array, dtype):
            return "\(file): \(array) is big-endian ('\(dtype)'); save it little-endian, e.g. a.astype(a.dtype.newbyteorder('<'))"
        case let .fortranOrderArray(file, array):
            return "\(file): \(array) is in Fortran order; save numpy.ascontiguousarray(a) instead"
        case let .emptyArray(file, array):
            return "\(file): \(array) has no rows; a dataset needs at least one training and one test example"
        case let .arrayNotFinite(file, array, row, column):
            return "\(file): \(array)[\(row)].flat[\(column)] is not finite (NaN or infinite); replace such values or drop their rows"
        case let .arrayLabelOutOfRange(file, array, index, label):
            return "\(file): \(array)[\(index)] is \(label), but labels must be class numbers from 0 to 255"
        case let .arrayRowMismatch(file, x, xRows, y, yRows):
            return "\(file): \(x) has \(xRows) rows but \(y) has \(yRows) labels; give each example one label"
        case let .dtypeMismatch(file, train, test):
            return "\(file): x_train has dtype '\(train)' but x_test has '\(test)'; save both as uint8 or both as float32"
        }
    }
}
