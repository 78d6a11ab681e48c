/// Why a dataset directory could not be loaded. Each case names the file and says what to do.
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
        }
    }
}
