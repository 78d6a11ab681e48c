import Foundation

/// Artifacts of any size, stored and read piece by piece (migration 0008's `artifact_pieces`).
extension Store {
    /// The largest piece: a file is stored as blobs of this size, so memory stays bounded.
    public static let artifactPieceBytes = 8 * 1_024 * 1_024

    /// Stores one piece of a file being uploaded (a content-addressed blob; a piece already stored is
    /// not stored again). Returns its SHA-256. Pieces of an upload that never completes are
    /// removed by `gc`.
    public func putArtifactPiece(_ bytes: Data) throws -> String {
        try inTransaction { try putBlob(bytes) }
    }

    /// Records the owner's artifact `name` as the file of `pieces` (their SHA-256s, in order) whose
    /// whole SHA-256 is `sha256`, replacing an earlier artifact of that name. Every piece must be
    /// stored already.
    @discardableResult
    public func recordArtifact(
        owner: ArtifactOwner, name: String, sha256: String, size: Int, pieces: [(sha256: String, size: Int)]
    ) throws -> ArtifactInfo {
        try inTransaction {
            switch owner {
            case .run(let runID): try requireRun(runID)
            case .loggedModel(let id): _ = try loggedModel(id: id)
            }
            let present = try database.cachedStatement(sql: "SELECT 1 FROM blobs WHERE sha256 = ?")
            for piece in pieces {
                try present.bind(piece.sha256, at: 1)
                defer { present.reset() }
                guard try present.step() else { throw StoreError.internalError("a piece of artifact \(name) is not stored") }
            }
            if !(pieces.count == 1 && pieces[0].sha256 == sha256) {
                let insert = try database.cachedStatement(sql: """
                    INSERT INTO artifact_pieces (sha256, seq, piece_sha256, size) VALUES (?, ?, ?, ?) ON CONFLICT (sha256, seq) DO NOTHING
                    """)
                for (seq, piece) in pieces.enumerated() {
                    try insert.bind(sha256, at: 1)
                    try insert.bind(seq, at: 2)
                    try insert.bind(piece.sha256, at: 3)
                    try insert.bind(piece.size, at: 4)
                    try insert.execute()
                }
            }
            return try recordArtifactRow(owner: owner, name: name, sha256: sha256, size: size)
        }
    }

    /// The SHA-256s of the blobs that make up the owner's artifact `name`, in order: the file's own
    /// blob, or its pieces. Throws `artifactNotFound`.
    public func artifactPieces(of owner: ArtifactOwner, name: String) throws -> [String] {
        let statement = try database.cachedStatement(sql: "SELECT sha256 FROM \(owner.table) WHERE \(owner.column) = ? AND name = ?")
        try owner.bind(to: statement, at: 1)
        try statement.bind(name, at: 2)
        guard try statement.step() else {
            statement.reset()
            let label: String
            switch owner {
            case .run(let id): label = String(id)
            case .loggedModel(let id): label = id
            }
            throw StoreError.artifactNotFound(run: label, name: name, existing: try artifacts(of: owner).map(\.name))
        }
        let sha256 = statement.string(at: 0)
        statement.reset()
        let pieces = try database.cachedStatement(sql: "SELECT piece_sha256 FROM artifact_pieces WHERE sha256 = ? ORDER BY seq")
        try pieces.bind(sha256, at: 1)
        defer { pieces.reset() }
        var found: [String] = []
        while try pieces.step() { found.append(pieces.string(at: 0)) }
        return found.isEmpty ? [sha256] : found
    }

    /// A blob's bytes, re-hashed against its SHA-256; throws `corruptArtifact` for the owner's
    /// artifact `name` when they are missing or changed.
    public func artifactPiece(_ sha256: String, of owner: ArtifactOwner, name: String) throws -> Data {
        guard let data = try blob(sha256: sha256, orThrow: StoreError.corruptArtifact(owner: owner, name: name)) else {
            throw StoreError.corruptArtifact(owner: owner, name: name)
        }
        return data
    }
}
