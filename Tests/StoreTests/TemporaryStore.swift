import Crypto
import Foundation
import TestSupport

@testable import Store

/// A folder of its own for one test, removed afterwards.
func withTemporaryFolder<T>(_ body: (String) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("nnreg-store-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
}

/// A fresh store, removed afterwards: a file in a temporary folder, or a database of its own on the
/// test server. `body` gets the store and its location (path or URL), to open more connections.
func withTemporaryStore<T>(on backend: StoreBackend = .sqlite, _ body: (Store, String) throws -> T) throws -> T {
    switch backend {
    case .sqlite:
        return try withTemporaryFolder { folder in
            let path = folder + "/test.sqlite"
            let store = try Store(path: path)
            return try body(store, path)
        }
    case .postgresql:
        return try PostgresTestServer.withDatabase { url in
            let store = try Store(path: url)
            return try body(store, url)
        }
    }
}

/// SHA-256 of a file's bytes, to prove a file was left untouched.
func fileDigest(_ path: String) throws -> String {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

func count(_ database: any Database, _ table: String) throws -> Int64 {
    try database.int64(sql: "SELECT count(*) FROM \(table)") ?? -1
}
