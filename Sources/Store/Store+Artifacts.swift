import Foundation

/// A file a run left (`nnreg track --artifacts DIR`, or `TrackedRun.saveArtifact`), stored as a
/// content-addressed blob.
public struct ArtifactInfo: Sendable, Equatable, Codable {
    /// Its path relative to the artifacts directory, with '/' separators.
    public let name: String
    /// SHA-256 of its bytes (the blob's key).
    public let sha256: String
    /// Its size in bytes.
    public let size: Int
    /// When it was stored.
    public let createdAt: Date

    enum CodingKeys: String, CodingKey { case name, sha256, size, createdAt = "created" }
}

/// Whose files: a run's artifacts, or the files of an MLflow logged model (`log_model`).
public enum ArtifactOwner: Sendable, Equatable, CustomStringConvertible {
    case run(Int64)
    case loggedModel(String)

    var table: String {
        switch self {
        case .run: "artifacts"
        case .loggedModel: "logged_model_artifacts"
        }
    }

    var column: String {
        switch self {
        case .run: "run_id"
        case .loggedModel: "model_id"
        }
    }

    func bind(to statement: Statement, at index: Int32) throws {
        switch self {
        case .run(let id): try statement.bind(id, at: index)
        case .loggedModel(let id): try statement.bind(id, at: index)
        }
    }

    public var description: String {
        switch self {
        case .run(let id): "run \(id)"
        case .loggedModel(let id): "logged model \(id)"
        }
    }
}

extension Store {
    /// The largest artifact one blob holds (SQLite's default limit on a value is 1,000,000,000 bytes).
    public static let maxArtifactBytes = 900_000_000

    /// Stores `data` as the run's artifact `name` (a relative path with '/' separators), replacing
    /// an earlier artifact of that name. Identical bytes are stored once across all runs.
    @discardableResult
    public func saveArtifact(runID: Int64, name: String, data: Data) throws -> ArtifactInfo {
        try inTransaction {
            try requireRun(runID)
            let sha256 = try putBlob(data)
            return try recordArtifactRow(owner: .run(runID), name: name, sha256: sha256, size: data.count)
        }
    }

    /// The owner's artifact `name` as the file whose SHA-256 is `sha256`, replacing an earlier one
    /// of that name (call inside a transaction, once its bytes are stored).
    func recordArtifactRow(owner: ArtifactOwner, name: String, sha256: String, size: Int) throws -> ArtifactInfo {
        let now = Date()
        let statement = try database.cachedStatement(
            sql: "INSERT INTO \(owner.table) (\(owner.column), name, sha256, size, created_at) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT (\(owner.column), name) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, "
                + "created_at = excluded.created_at")
        try owner.bind(to: statement, at: 1)
        try statement.bind(name, at: 2)
        try statement.bind(sha256, at: 3)
        try statement.bind(size, at: 4)
        try statement.bind(now, at: 5)
        try statement.execute()
        return ArtifactInfo(name: name, sha256: sha256, size: size, createdAt: now)
    }

    /// A run's artifacts by name (their bytes are not read).
    public func artifacts(runID: Int64) throws -> [ArtifactInfo] { try artifacts(of: .run(runID)) }

    /// A run's or logged model's artifacts by name (their bytes are not read).
    public func artifacts(of owner: ArtifactOwner) throws -> [ArtifactInfo] {
        let statement = try database.cachedStatement(
            sql: "SELECT name, sha256, size, created_at FROM \(owner.table) WHERE \(owner.column) = ? ORDER BY name")
        try owner.bind(to: statement, at: 1)
        defer { statement.reset() }
        var artifacts: [ArtifactInfo] = []
        while try statement.step() {
            artifacts.append(ArtifactInfo(
                name: statement.string(at: 0), sha256: statement.string(at: 1), size: statement.int(at: 2),
                createdAt: statement.date(at: 3)))
        }
        return artifacts
    }

    /// The bytes of the run's artifact `name`, re-hashed against their SHA-256. Throws
    /// `artifactNotFound` (naming the artifacts there are) or `corruptOutput` for bytes that changed.
    public func artifactData(runID: Int64, name: String) throws -> Data {
        let existing = try artifacts(runID: runID)
        guard let artifact = existing.first(where: { $0.name == name }) else {
            throw StoreError.artifactNotFound(run: String(runID), name: name, existing: existing.map(\.name))
        }
        var data = Data()
        for piece in try artifactPieces(of: .run(runID), name: name) {
            data += try artifactPiece(piece, of: .run(runID), name: name)
        }
        return data
    }
}
