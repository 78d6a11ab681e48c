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

    static let checkpointInfoColumns = """
        id, run_id, step, created_at, weights_size, weights_sha256, trainer_state_size, trainer_state_sha256
        """

    static func readCheckpointInfo(_ s: Statement) -> CheckpointInfo {
        CheckpointInfo(
            id: s.int64(at: 0), runID: s.int64(at: 1), step: s.int(at: 2), createdAt: s.date(at: 3),
            weightsSize: s.int(at: 4), weightsSHA256: s.string(at: 5), trainerStateSize: s.int(at: 6),
            trainerStateSHA256: s.string(at: 7))
    }

    /// Stores the weights and trainer state of a run at `step` with their SHA-256 (a checkpoint saved
    /// again at the same step replaces the blobs and keeps its id). The blobs are bound without copying.
    @discardableResult
    public func saveCheckpoint(runID: Int64, step: Int, weights: Data, trainerState: Data) throws -> CheckpointInfo {
        try inTransaction {
            let statement = try database.cachedStatement(
                sql: """
                    INSERT INTO checkpoints (run_id, step, created_at, weights_size, weights_sha256,
                        trainer_state_size, trainer_state_sha256, weights, trainer_state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (run_id, step) DO UPDATE SET created_at = excluded.created_at,
                        weights_size = excluded.weights_size, weights_sha256 = excluded.weights_sha256,
                        trainer_state_size = excluded.trainer_state_size,
                        trainer_state_sha256 = excluded.trainer_state_sha256,
                        weights = excluded.weights, trainer_state = excluded.trainer_state
                    """)
            try statement.bind(runID, at: 1)
            try statement.bind(step, at: 2)
            try statement.bind(Date(), at: 3)
            try weights.withUnsafeBytes { weightBytes in
                try trainerState.withUnsafeBytes { stateBytes in
                    try statement.bind(weightBytes.count, at: 4)
                    try statement.bind(Self.sha256(weightBytes), at: 5)
                    try statement.bind(stateBytes.count, at: 6)
                    try statement.bind(Self.sha256(stateBytes), at: 7)
                    try statement.bindNoCopy(weightBytes, at: 8)
                    try statement.bindNoCopy(stateBytes, at: 9)
                    try statement.execute()  // steps and resets while the buffers are alive
                }
            }
            let select = try database.cachedStatement(
                sql: "SELECT \(Self.checkpointInfoColumns) FROM checkpoints WHERE run_id = ? AND step = ?")
            try select.bind(runID, at: 1)
            try select.bind(step, at: 2)
            defer { select.reset() }
            _ = try select.step()
            return Self.readCheckpointInfo(select)
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
    /// `StoreError.corruptCheckpoint(runID:step:)` when a blob does not match its SHA-256.
    public func checkpoint(runID: Int64, step: Int) throws -> Checkpoint? {
        try loadCheckpoint(
            sql: "SELECT \(Self.checkpointInfoColumns), weights, trainer_state FROM checkpoints "
                + "WHERE run_id = ? AND step = ?", runID: runID, step: step)
    }

    /// The run's checkpoint with the highest step, with its blobs verified, or nil if it has none.
    public func latestCheckpoint(runID: Int64) throws -> Checkpoint? {
        try loadCheckpoint(
            sql: "SELECT \(Self.checkpointInfoColumns), weights, trainer_state FROM checkpoints "
                + "WHERE run_id = ? ORDER BY step DESC LIMIT 1", runID: runID, step: nil)
    }

    private func loadCheckpoint(sql: String, runID: Int64, step: Int?) throws -> Checkpoint? {
        let statement = try database.cachedStatement(sql: sql)
        try statement.bind(runID, at: 1)
        if let step { try statement.bind(step, at: 2) }
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        let info = Self.readCheckpointInfo(statement)
        // Hash SQLite's own buffer, then copy it once into Data.
        func verifiedBlob(column: Int32, sha256: String) throws -> Data {
            try statement.withBlob(at: column) { bytes in
                guard Self.sha256(bytes) == sha256 else {
                    throw StoreError.corruptCheckpoint(runID: info.runID, step: info.step)
                }
                return Data(bytes)
            }
        }
        let weights = try verifiedBlob(column: 8, sha256: info.weightsSHA256)
        let trainerState = try verifiedBlob(column: 9, sha256: info.trainerStateSHA256)
        return Checkpoint(info: info, weights: weights, trainerState: trainerState)
    }

    /// Re-hashes every stored blob and returns those that do not match their recorded SHA-256.
    public func verifyAllBlobs() throws -> [CorruptBlob] {
        let statement = try database.makeStatement(
            sql: "SELECT run_id, step, weights_sha256, trainer_state_sha256, weights, trainer_state "
                + "FROM checkpoints ORDER BY run_id, step")
        var corrupt: [CorruptBlob] = []
        while try statement.step() {
            let runID = statement.int64(at: 0)
            let step = statement.int(at: 1)
            if statement.withBlob(at: 4, Self.sha256) != statement.string(at: 2) {
                corrupt.append(CorruptBlob(runID: runID, step: step, column: "weights"))
            }
            if statement.withBlob(at: 5, Self.sha256) != statement.string(at: 3) {
                corrupt.append(CorruptBlob(runID: runID, step: step, column: "trainer_state"))
            }
        }
        return corrupt
    }
}
