import Foundation
import PostgresClient

/// The store backends a test runs on: SQLite always, PostgreSQL when a server is there.
public enum StoreBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite, postgresql

    public var description: String { rawValue }

    /// SQLite, and PostgreSQL when `NNREG_TEST_POSTGRES` names a server (`make test` starts one
    /// with scripts/with-postgres.sh). Under CI (`CI` set) PostgreSQL is always included, so a
    /// missing server fails the tests instead of skipping them; elsewhere its absence is said once.
    public static let available: [StoreBackend] = {
        if PostgresTestServer.adminURL != nil || ProcessInfo.processInfo.environment["CI"] != nil {
            return [.sqlite, .postgresql]
        }
        FileHandle.standardError.write(Data(
            "note: PostgreSQL tests skipped: no server (NNREG_TEST_POSTGRES unset); 'make test' starts one\n".utf8))
        return [.sqlite]
    }()
}

/// The throwaway server the tests use: each test gets a database of its own, dropped afterwards.
public enum PostgresTestServer {
    /// `postgresql://USER@127.0.0.1:PORT/postgres` (password in `PGPASSWORD`).
    public static var adminURL: String? { ProcessInfo.processInfo.environment["NNREG_TEST_POSTGRES"] }

    /// Creates an empty database and returns its URL.
    public static func createDatabase() throws -> String {
        guard let adminURL else {
            throw PostgresClientError(message: "NNREG_TEST_POSTGRES is not set: run the tests with 'make test'")
        }
        let name = "nnreg_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try PostgresSession(location: try PostgresLocation(url: adminURL))
        _ = try admin.query("CREATE DATABASE \(name)")
        return adminURL.replacingOccurrences(of: "/postgres", with: "/\(name)", options: .backwards)
    }

    /// Drops the database `url` names, closing any connection still open on it.
    public static func dropDatabase(_ url: String) {
        guard let adminURL, let name = url.split(separator: "/").last else { return }
        guard let admin = try? PostgresSession(location: try PostgresLocation(url: adminURL)) else { return }
        _ = try? admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs `body` with the URL of a fresh database, dropped afterwards.
    public static func withDatabase<T>(_ body: (String) throws -> T) throws -> T {
        let url = try createDatabase()
        defer { dropDatabase(url) }
        return try body(url)
    }
}
