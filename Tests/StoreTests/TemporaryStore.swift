import Crypto
import Foundation

@testable import Store

/// A folder of its own for one test, removed afterwards.
func withTemporaryFolder<T>(_ body: (String) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("nnreg-store-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
}

/// A fresh store file in a temporary folder, removed afterwards.
func withTemporaryStore<T>(_ body: (Store, String) throws -> T) throws -> T {
    try withTemporaryFolder { folder in
        let path = folder + "/test.sqlite"
        let store = try Store(path: path)
        return try body(store, path)
    }
}

/// SHA-256 of a file's bytes, to prove a file was left untouched.
func fileDigest(_ path: String) throws -> String {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

func count(_ database: Database, _ table: String) throws -> Int64 {
    try database.int64(sql: "SELECT count(*) FROM \(table)") ?? -1
}
