import Foundation

/// A hyperparameter search (`nnreg sweep`): an experiment whose runs are its trials. The Store
/// keeps its specification as JSON and knows nothing of samplers or pruners.
public struct SweepRecord: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let experimentID: Int64
    /// The specification as the sweep module encoded it.
    public let spec: String
    /// `running`, `stopped` or `finished`.
    public let state: String
    public let createdAt: Date
    public let updatedAt: Date
}

/// One trial of a sweep: its settings, where it stands, its run, and the metric at each judged step.
public struct SweepTrialRecord: Sendable, Equatable {
    public let number: Int
    public let assignment: [String: String]
    /// `running`, `pruned`, `finished`, `failed` or `stopped`.
    public let state: String
    public let runID: Int64?
    public let step: Int
    /// Times it continued from a checkpoint, and the steps that saved.
    public let resumed: Int
    public let savedSteps: Int
    public let updatedAt: Date
    public let points: [Int: Double]

    /// The metric at the last step judged.
    public var lastValue: Double? { points.max { $0.key < $1.key }?.value }
}

extension Store {
    private static let sweepColumns = "id, name, experiment_id, spec, state, created_at, updated_at"

    private func readSweeps(_ statement: any Statement) throws -> [SweepRecord] {
        defer { statement.reset() }
        var sweeps: [SweepRecord] = []
        while try statement.step() {
            sweeps.append(SweepRecord(
                id: statement.int64(at: 0), name: statement.string(at: 1), experimentID: statement.int64(at: 2),
                spec: statement.string(at: 3), state: statement.string(at: 4), createdAt: statement.date(at: 5),
                updatedAt: statement.date(at: 6)))
        }
        return sweeps
    }

    /// Creates a sweep and its experiment (of the same name) in one transaction. Throws
    /// `duplicateSweepName` when an experiment has the name already.
    public func createSweep(name: String, spec: String) throws -> SweepRecord {
        guard Self.isValidExperimentName(name) else { throw StoreError.invalidExperimentName(name) }
        return try inTransaction {
            if try experiment(named: name) != nil { throw StoreError.duplicateSweepName(name) }
            let experiment = try createExperiment(name: name, tags: ["nnreg.sweep": name])
            let now = Date()
            let insert = try database.cachedStatement(sql: """
                INSERT INTO sweeps (name, experiment_id, spec, state, created_at, updated_at)
                VALUES (?, ?, ?, 'running', ?, ?) RETURNING id
                """)
            try insert.bind(name, at: 1)
            try insert.bind(experiment.id, at: 2)
            try insert.bind(spec, at: 3)
            try insert.bind(now, at: 4)
            try insert.bind(now, at: 5)
            _ = try insertedID(insert)
            guard let sweep = try sweep(named: name) else { throw StoreError.internalError("sweep \(name) vanished") }
            return sweep
        }
    }

    /// The sweep with this name, or nil.
    public func sweep(named name: String) throws -> SweepRecord? {
        let statement = try database.cachedStatement(sql: "SELECT \(Self.sweepColumns) FROM sweeps WHERE name = ?")
        try statement.bind(name, at: 1)
        return try readSweeps(statement).first
    }

    /// The sweep with this name; throws `sweepNotFound`.
    public func existingSweep(named name: String) throws -> SweepRecord {
        guard let sweep = try sweep(named: name) else { throw StoreError.sweepNotFound(name) }
        return sweep
    }

    /// Every sweep, oldest first.
    public func sweeps() throws -> [SweepRecord] {
        try readSweeps(try database.makeStatement(sql: "SELECT \(Self.sweepColumns) FROM sweeps ORDER BY id"))
    }

    /// Sets a sweep's state: `running`, `stopped` or `finished`.
    public func setSweepState(sweepID: Int64, state: String) throws {
        try updateSweep(sweepID: sweepID, column: "state", to: state)
    }

    /// A sweep's state as another process may just have set it (one indexed read).
    public func sweepState(sweepID: Int64) throws -> String {
        let statement = try database.cachedStatement(sql: "SELECT state FROM sweeps WHERE id = ?")
        try statement.bind(sweepID, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { throw StoreError.sweepNotFound(String(sweepID)) }
        return statement.string(at: 0)
    }

    /// A sweep's trials by number, each with its judged points.
    public func sweepTrials(sweepID: Int64) throws -> [SweepTrialRecord] {
        let points = try database.cachedStatement(sql: "SELECT number, step, value FROM sweep_points WHERE sweep_id = ?")
        try points.bind(sweepID, at: 1)
        var pointsByTrial: [Int: [Int: Double]] = [:]
        while try points.step() { pointsByTrial[points.int(at: 0), default: [:]][points.int(at: 1)] = points.double(at: 2) }
        points.reset()
        let statement = try database.cachedStatement(sql: """
            SELECT number, assignment, state, run_id, step, resumed, saved_steps, updated_at
            FROM sweep_trials WHERE sweep_id = ? ORDER BY number
            """)
        try statement.bind(sweepID, at: 1)
        defer { statement.reset() }
        var trials: [SweepTrialRecord] = []
        while try statement.step() {
            let number = statement.int(at: 0)
            let assignment = (try? JSONDecoder().decode([String: String].self, from: Data(statement.string(at: 1).utf8))) ?? [:]
            trials.append(SweepTrialRecord(
                number: number, assignment: assignment, state: statement.string(at: 2), runID: statement.optionalInt64(at: 3),
                step: statement.int(at: 4), resumed: statement.int(at: 5), savedSteps: statement.int(at: 6),
                updatedAt: statement.date(at: 7), points: pointsByTrial[number] ?? [:]))
        }
        return trials
    }

    /// Adds trial `number` in state `running` (its run, when already made).
    public func addSweepTrial(sweepID: Int64, number: Int, assignment: [String: String], runID: Int64?) throws {
        let json = try Self.assignmentJSON(assignment)
        try inTransaction {
            let insert = try database.cachedStatement(sql: """
                INSERT INTO sweep_trials (sweep_id, number, assignment, state, run_id, updated_at) VALUES (?, ?, ?, 'running', ?, ?)
                """)
            try insert.bind(sweepID, at: 1)
            try insert.bind(number, at: 2)
            try insert.bind(json, at: 3)
            try insert.bind(runID, at: 4)
            try insert.bind(Date(), at: 5)
            try insert.execute()
        }
    }

    /// A trial's settings as `sweep_trials.assignment` keeps them: a JSON object, keys sorted.
    static func assignmentJSON(_ assignment: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(assignment), as: UTF8.self)
    }

    /// Updates a trial: its state, steps trained, run, and for a continuation from a checkpoint
    /// the steps it did not redo (counted once more in `resumed`).
    public func updateSweepTrial(
        sweepID: Int64, number: Int, state: String, step: Int? = nil, runID: Int64? = nil, savedSteps: Int? = nil
    ) throws {
        try inTransaction {
            let update = try database.cachedStatement(sql: """
                UPDATE sweep_trials SET state = ?, step = coalesce(?, step), run_id = coalesce(?, run_id),
                    resumed = resumed + ?, saved_steps = saved_steps + ?,
                    updated_at = ?
                WHERE sweep_id = ? AND number = ?
                """)
            try update.bind(state, at: 1)
            try update.bind(step, at: 2)
            try update.bind(runID, at: 3)
            try update.bind(savedSteps == nil ? 0 : 1, at: 4)
            try update.bind(savedSteps ?? 0, at: 5)
            try update.bind(Date(), at: 6)
            try update.bind(sweepID, at: 7)
            try update.bind(number, at: 8)
            try update.execute()
            if database.changesCount == 0 { throw StoreError.internalError("sweep \(sweepID) has no trial \(number)") }
        }
    }

    /// Records the sweep's metric of trial `number` at `step` (replacing one recorded there before).
    public func recordSweepPoint(sweepID: Int64, number: Int, step: Int, value: Double) throws {
        try inTransaction {
            let upsert = try database.cachedStatement(sql: """
                INSERT INTO sweep_points (sweep_id, number, step, value) VALUES (?, ?, ?, ?)
                ON CONFLICT (sweep_id, number, step) DO UPDATE SET value = excluded.value
                """)
            try upsert.bind(sweepID, at: 1)
            try upsert.bind(number, at: 2)
            try upsert.bind(step, at: 3)
            try upsert.bind(value, at: 4)
            try upsert.execute()
        }
    }

    /// The sweep's metric of every trial judged at `step`.
    public func sweepPoints(sweepID: Int64, step: Int) throws -> [(number: Int, value: Double)] {
        let statement = try database.cachedStatement(sql: "SELECT number, value FROM sweep_points WHERE sweep_id = ? AND step = ?")
        try statement.bind(sweepID, at: 1)
        try statement.bind(step, at: 2)
        defer { statement.reset() }
        var points: [(Int, Double)] = []
        while try statement.step() { points.append((statement.int(at: 0), statement.double(at: 1))) }
        return points
    }
}

extension Store {
    /// Replaces a sweep's specification (`sweep resume --trials N`).
    public func setSweepSpec(sweepID: Int64, spec: String) throws {
        try updateSweep(sweepID: sweepID, column: "spec", to: spec)
    }

    /// Sets one text column of a sweep (`column` is one of this file's names, never user input).
    private func updateSweep(sweepID: Int64, column: String, to value: String) throws {
        try inTransaction {
            let update = try database.cachedStatement(sql: "UPDATE sweeps SET \(column) = ?, updated_at = ? WHERE id = ?")
            try update.bind(value, at: 1)
            try update.bind(Date(), at: 2)
            try update.bind(sweepID, at: 3)
            try update.execute()
        }
    }
}
