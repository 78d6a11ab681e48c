import Crypto
import Foundation

/// One split of a dataset: `count` examples of `features` values, row-major, and their labels.
/// IDX images and uint8 arrays keep their bytes (a feature is byte / 255, exactly); CSV files and
/// float32 arrays keep Float32 values.
public struct Split: Sendable {
    public enum Values: Sendable {
        /// Unsigned bytes; feature = `Float(byte) / 255`.
        case bytes([UInt8])
        case floats([Float])
    }

    public let count: Int
    public let features: Int
    public let values: Values
    public let labels: [UInt8]

    /// Precondition: `images.count == count * features`, `labels.count == count`.
    public init(count: Int, features: Int, images: [UInt8], labels: [UInt8]) {
        precondition(images.count == count * features && labels.count == count,
                     "split shape: \(images.count) pixels and \(labels.count) labels for \(count)x\(features)")
        self.count = count
        self.features = features
        self.values = .bytes(images)
        self.labels = labels
    }

    /// Precondition: `floats.count == count * features`, `labels.count == count`, every value finite.
    public init(count: Int, features: Int, floats: [Float], labels: [UInt8]) {
        precondition(floats.count == count * features && labels.count == count,
                     "split shape: \(floats.count) values and \(labels.count) labels for \(count)x\(features)")
        self.count = count
        self.features = features
        self.values = .floats(floats)
        self.labels = labels
    }

    /// The bytes of an image split (nil for float features).
    public var images: [UInt8]? {
        if case .bytes(let bytes) = values { return bytes }
        return nil
    }

    /// Row `row`'s features as the network sees them (bytes scaled to 0…1).
    public func row(_ row: Int) -> [Float] {
        let start = row * features
        switch values {
        case .bytes(let bytes): return bytes[start..<(start + features)].map { Float($0) / 255 }
        case .floats(let floats): return Array(floats[start..<(start + features)])
        }
    }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Split {
        var labels = [UInt8]()
        labels.reserveCapacity(indices.count)
        for i in indices { labels.append(self.labels[i]) }
        switch values {
        case .bytes(let bytes):
            var out = [UInt8]()
            out.reserveCapacity(indices.count * features)
            for i in indices { out.append(contentsOf: bytes[(i * features)..<((i + 1) * features)]) }
            return Split(count: indices.count, features: features, images: out, labels: labels)
        case .floats(let floats):
            var out = [Float]()
            out.reserveCapacity(indices.count * features)
            for i in indices { out.append(contentsOf: floats[(i * features)..<((i + 1) * features)]) }
            return Split(count: indices.count, features: features, floats: out, labels: labels)
        }
    }
}

/// What a dataset is: the SHA-256 of each decompressed file and of them all.
public struct DatasetIdentity: Sendable, Equatable, Codable {
    /// The four standard file names, in the order their hashes are combined.
    public static let fileNames = [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ]
    /// SHA-256 of the official MNIST files, decompressed.
    public static let officialMNIST: [String: String] = [
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ]

    /// "mnist" for the official files, otherwise the directory's last path component.
    public let name: String
    /// Hex SHA-256 of the four files' hex hashes concatenated in `fileNames` order.
    public let sha256: String
    /// Standard file name (without .gz) → hex SHA-256 of its decompressed bytes.
    public let files: [String: String]

    public var isOfficialMNIST: Bool { files == Self.officialMNIST }

    /// The identity of a dataset read from other files (a CSV file, a NumPy archive): `files` maps
    /// each file's name to the hex SHA-256 of its bytes, `sha256` stands for them all.
    public init(name: String, sha256: String, files: [String: String]) {
        self.name = name
        self.sha256 = sha256
        self.files = files
    }

    /// Identity of files with the given hashes, found in `directory`.
    public init(files: [String: String], directory: String) {
        self.files = files
        let joined = Self.fileNames.map { files[$0] ?? "" }.joined()
        sha256 = SHA256.hash(data: Data(joined.utf8)).map { String(format: "%02x", $0) }.joined()
        if files == Self.officialMNIST {
            name = "mnist"
        } else {
            let last = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
            name = last.isEmpty ? "dataset" : last
        }
    }
}

/// A training and a test split read from a directory of four IDX files.
public struct Dataset: Sendable {
    public let train: Split
    public let test: Split
    public let identity: DatasetIdentity
    public let classes: Int

    public init(train: Split, test: Split, identity: DatasetIdentity, classes: Int = 10) {
        self.train = train
        self.test = test
        self.identity = identity
        self.classes = classes
    }

    /// Loads `directory`/{train,t10k}-{images-idx3,labels-idx1}-ubyte, each raw or with `.gz`,
    /// validating every header, count and label. Throws `DatasetError`.
    public static func load(directory: String) throws -> Dataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.notADirectory(path: directory)
        }
        func path(_ name: String) throws -> String {
            let base = (directory as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: base) { return base }
            if FileManager.default.fileExists(atPath: base + ".gz") { return base + ".gz" }
            throw DatasetError.missingFile(directory: directory, name: name)
        }
        let names = DatasetIdentity.fileNames
        let paths = try names.map(path)
        var hashes: [String: String] = [:]
        func split(images imagesPath: String, labels labelsPath: String, imagesName: String, labelsName: String) throws -> Split {
            let images = try IDX.read(path: imagesPath, magic: IDX.imagesMagic)
            let labels = try IDX.read(path: labelsPath, magic: IDX.labelsMagic)
            let split = try makeSplit(images: images, imagesPath: imagesPath, labels: labels, labelsPath: labelsPath)
            hashes[imagesName] = images.sha256
            hashes[labelsName] = labels.sha256
            return split
        }
        let train = try split(images: paths[0], labels: paths[1], imagesName: names[0], labelsName: names[1])
        let test = try split(images: paths[2], labels: paths[3], imagesName: names[2], labelsName: names[3])
        guard train.features == test.features else {
            throw DatasetError.featureMismatch(train: train.features, test: test.features)
        }
        return Dataset(train: train, test: test, identity: DatasetIdentity(files: hashes, directory: directory))
    }

    /// Decodes one split from the raw bytes of an IDX image file and an IDX label file, with the same
    /// checks as `load(directory:)`; the names stand for the files in errors. Throws `DatasetError`.
    package static func decodeSplit(images: [UInt8], labels: [UInt8],
                                    imagesName: String = "images", labelsName: String = "labels") throws -> Split {
        try makeSplit(images: IDX.read(bytes: images, name: imagesName, magic: IDX.imagesMagic), imagesPath: imagesName,
                      labels: IDX.read(bytes: labels, name: labelsName, magic: IDX.labelsMagic), labelsPath: labelsName)
    }

    private static func makeSplit(images: IDX.File, imagesPath: String, labels: IDX.File, labelsPath: String) throws -> Split {
        guard images.count == labels.count else {
            throw DatasetError.countMismatch(images: imagesPath, imageCount: images.count, labels: labelsPath, labelCount: labels.count)
        }
        if let index = labels.bytes.firstIndex(where: { $0 >= 10 }) {
            throw DatasetError.labelOutOfRange(file: labelsPath, index: index, label: Int(labels.bytes[index]), classes: 10)
        }
        return Split(count: images.count, features: images.rows * images.columns, images: images.bytes, labels: labels.bytes)
    }
}
