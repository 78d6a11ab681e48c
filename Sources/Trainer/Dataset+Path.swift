import Crypto
import Foundation

extension Dataset {
    /// Loads the dataset at `path`, by what it is: a directory of IDX files (`load(directory:)`),
    /// a `.csv` file (see `CSVDataset`) or a NumPy `.npz` archive (see `NumpyArchive`). Nothing is
    /// returned half-loaded: every row and value is checked first. Throws `DatasetError`.
    public static func load(path: String) throws -> Dataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError.noDataset(path: path)
        }
        if isDirectory.boolValue { return try load(directory: path) }
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": return try CSVDataset.load(path: path)
        case "npz": return try NumpyArchive.load(path: path)
        default: throw DatasetError.unsupportedFormat(path: path)
        }
    }

    /// The whole file at `path`, for the formats read in one piece.
    static func readFile(_ path: String) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe))
        } catch {
            throw DatasetError.unreadable(file: path, reason: error.localizedDescription)
        }
    }
}

extension DatasetIdentity {
    /// The identity of a dataset named `name` read from `files` (name and bytes, in a fixed order):
    /// each file's SHA-256, and `sha256` of their hex hashes concatenated in that order, as
    /// `init(files:directory:)` does for IDX files.
    init(name: String, files: [(name: String, bytes: [UInt8])]) {
        let hashes = files.map { (name: $0.name, sha256: Self.hexSHA256($0.bytes)) }
        self.init(name: name, sha256: Self.hexSHA256(Array(hashes.map(\.sha256).joined().utf8)),
                  files: Dictionary(hashes.map { ($0.name, $0.sha256) }, uniquingKeysWith: { first, _ in first }))
    }

    static func hexSHA256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
