import Crypto
import Foundation

extension Store {
    /// Lowercase hex SHA-256 of `bytes`.
    static func sha256(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Lowercase hex SHA-256 of `data`, as blobs are keyed.
    public static func sha256Hex(_ data: Data) -> String {
        data.withUnsafeBytes { sha256($0) }
    }

    static let checkpointInfoColumns = """
        id, run_id, step, created_at, weights_size, weights_sha256, trainer_state_size, trainer_state_sha256
        """

    static func readCheckpointInfo(_ s: Statement) -> CheckpointInfo {
        CheckpointInfo(
            id: s.int64(at: 0), runID: s.int64(at: 1), step: s.int(at: 2), createdAt: s.date(at: 3),
            weightsSize: s.int(at: 4), weightsSHA256: s.string(at: 5), trainerStateSize: s.int(at: 6),
            trainerStateSHA256: s.string(at: 7))
    }

    /// Stores the weights and trainer state of a run at `step`. Each blob goes into the content-addressed
    /// `blobs` table under its SHA-256 unless those bytes are there already; the checkpoint names
    /// them by hash. A checkpoint saved again at the same step points at the new blobs and keeps its id.
    @discardableResult
    public func saveCheckpoint(runID: Int64, step: Int, weights: Data, trainerState: Data) throws -> CheckpointInfo {
        try inTransaction {
            let weightsSHA256 = try putBlob(weights)
            let stateSHA256 = try putBlob(trainerState)
            let statement = try database.cachedStatement(
                sql: """
                    INSERT INTO checkpoints (run_id, step, created_at, weights_size, weights_sha256,
                        trainer_state_size, trainer_state_sha256)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (run_id, step) DO UPDATE SET created_at = excluded.created_at,
                        weights_size = excluded.weights_size, weights_sha256 = excluded.weights_sha256,
                        trainer_state_size = excluded.trainer_state_size,
                        trainer_state_sha256 = excluded.trainer_state_sha256
                    """)
            try statement.bind(runID, at: 1)
            try statement.bind(step, at: 2)
            try statement.bind(Date(), at: 3)
            try statement.bind(weights.count, at: 4)
            try statement.bind(weightsSHA256, at: 5)
            try statement.bind(trainerState.count, at: 6)
            try statement.bind(stateSHA256, at: 7)
            try statement.execute()
            try updateTestAccuracy(runID: runID)
            let select = try database.cachedStatement(
                sql: "SELECT \(Self.checkpointInfoColumns) FROM checkpoints WHERE run_id = ? AND step = ?")
            try select.bind(runID, at: 1)
            try select.bind(step, at: 2)
            defer { select.reset() }
            _ = try select.step()
            return Self.readCheckpointInfo(select)
        }
    }

    /// Stores `bytes` under their SHA-256 unless a blob with that hash exists; returns the hash.
    /// The bytes are bound without copying.
    @discardableResult
    func putBlob(_ bytes: Data) throws -> String {
        try bytes.withUnsafeBytes { raw in
            let sha256 = Self.sha256(raw)
            let statement = try database.cachedStatement(
                sql: "INSERT INTO blobs (sha256, size, data) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING")
            try statement.bind(sha256, at: 1)
            try statement.bind(raw.count, at: 2)
            try statement.bindNoCopy(raw, at: 3)
            try statement.execute()  // steps and resets while the buffer is alive
            return sha256
        }
    }

    /// The blob stored under `sha256`, re-hashed on the way out; nil when there is none. Throws
    /// `corrupt(sha256)` (a caller-supplied error) when the bytes no longer match their key.
    func blob(sha256: String, orThrow corrupt: @autoclosure () -> Error) throws -> Data? {
        let statement = try database.cachedStatement(sql: "SELECT data FROM blobs WHERE sha256 = ?")
        try statement.bind(sha256, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        // Hash SQLite's own buffer, then copy it once into Data.
        return try statement.withBlob(at: 0) { bytes in
            guard Self.sha256(bytes) == sha256 else { throw corrupt() }
            return Data(bytes)
        }
    }

    /// A run's checkpoints by step, metadata only (the blobs are not read).
    public func checkpoints(runID: Int64) throws -> [CheckpointInfo] {
        let statement = try database.cachedStatement(
            sql: "SELECT \(Self.checkpointInfoColumns) FROM checkpoints WHERE run_id = ? ORDER BY step")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var infos: [CheckpointInfo] = []
        while try statement.step() { infos.append(Self.readCheckpointInfo(statement)) }
        return infos
    }

    /// The checkpoint of a run at `step` with its blobs, or nil. Throws
    /// `StoreError.corruptCheckpoint(runID:step:)` when a blob does not match its SHA-256 or is missing.
    public func checkpoint(runID: Int64, step: Int) throws -> Checkpoint? {
        let statement = try database.cachedStatement(
            sql: "SELECT \(Self.checkpointInfoColumns) FROM checkpoints WHERE run_id = ? AND step = ?")
        try statement.bind(runID, at: 1)
        try statement.bind(step, at: 2)
        return try loadCheckpoint(statement)
    }

    /// The run's checkpoint with the highest step, with its blobs verified, or nil if it has none.
    public func latestCheckpoint(runID: Int64) throws -> Checkpoint? {
        let statement = try database.cachedStatement(
            sql: "SELECT \(Self.checkpointInfoColumns) FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1")
        try statement.bind(runID, at: 1)
        return try loadCheckpoint(statement)
    }

    /// The checkpoint with this id, blobs verified, or nil.
    public func checkpoint(id: Int64) throws -> Checkpoint? {
        let statement = try database.cachedStatement(
            sql: "SELECT \(Self.checkpointInfoColumns) FROM checkpoints WHERE id = ?")
        try statement.bind(id, at: 1)
        return try loadCheckpoint(statement)
    }

    private func loadCheckpoint(_ statement: Statement) throws -> Checkpoint? {
        let info: CheckpointInfo
        do {
            defer { statement.reset() }
            guard try statement.step() else { return nil }
            info = Self.readCheckpointInfo(statement)
        }
        let corrupt = StoreError.corruptCheckpoint(runID: info.runID, step: info.step)
        guard let weights = try blob(sha256: info.weightsSHA256, orThrow: corrupt),
              let trainerState = try blob(sha256: info.trainerStateSHA256, orThrow: corrupt)
        else { throw corrupt }
        return Checkpoint(info: info, weights: weights, trainerState: trainerState)
    }

    /// Re-hashes every stored blob and returns, for each one that does not match its key (or is
    /// missing), the checkpoints that use it.
    public func verifyAllBlobs() throws -> [CorruptBlob] {
        var badHashes: Set<String> = []
        let blobs = try database.makeStatement(sql: "SELECT sha256, size, data FROM blobs")
        while try blobs.step() {
            let sha256 = blobs.string(at: 0)
            let (actual, length) = blobs.withBlob(at: 2) { (Self.sha256($0), $0.count) }
            if actual != sha256 || length != blobs.int(at: 1) { badHashes.insert(sha256) }
        }
        let statement = try database.makeStatement(
            sql: """
                SELECT c.run_id, c.step, c.weights_sha256, c.trainer_state_sha256,
                    EXISTS (SELECT 1 FROM blobs WHERE sha256 = c.weights_sha256),
                    EXISTS (SELECT 1 FROM blobs WHERE sha256 = c.trainer_state_sha256)
                FROM checkpoints c ORDER BY c.run_id, c.step
                """)
        var corrupt: [CorruptBlob] = []
        while try statement.step() {
            let runID = statement.int64(at: 0)
            let step = statement.int(at: 1)
            if badHashes.contains(statement.string(at: 2)) || statement.int(at: 4) == 0 {
                corrupt.append(CorruptBlob(runID: runID, step: step, column: "weights"))
            }
            if badHashes.contains(statement.string(at: 3)) || statement.int(at: 5) == 0 {
                corrupt.append(CorruptBlob(runID: runID, step: step, column: "trainer_state"))
            }
        }
        return corrupt
    }
}
