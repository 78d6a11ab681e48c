import Foundation

/// A dataset a run used, as MLflow's `log-inputs` records it: its identity and where it came from,
/// with tags such as `mlflow.data.context` (train, eval…).
public struct RunInput: Sendable, Equatable {
    public let name: String
    public let digest: String
    public let sourceType: String
    public let source: String
    public let schema: String?
    public let profile: String?
    public let tags: [String: String]

    public init(name: String, digest: String, sourceType: String, source: String, schema: String?, profile: String?, tags: [String: String]) {
        self.name = name
        self.digest = digest
        self.sourceType = sourceType
        self.source = source
        self.schema = schema
        self.profile = profile
        self.tags = tags
    }
}

/// A metric's latest point with its wall time (MLflow's run data lists each metric so).
public struct LatestPoint: Sendable, Equatable {
    public let key: String
    public let step: Int
    public let value: Double
    public let wallTime: Date
}

extension Store {
    /// Records datasets a run used; one logged again (same name and digest) replaces its entry.
    public func logInputs(runID: Int64, _ inputs: [RunInput]) throws {
        try inTransaction {
            try requireRun(runID)
            let statement = try database.cachedStatement(sql: """
                INSERT INTO run_inputs (run_id, name, digest, source_type, source, schema, profile, tags)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id, name, digest) DO UPDATE SET source_type = excluded.source_type, source = excluded.source,
                    schema = excluded.schema, profile = excluded.profile, tags = excluded.tags
                """)
            for input in inputs {
                try statement.bind(runID, at: 1)
                try statement.bind(input.name, at: 2)
                try statement.bind(input.digest, at: 3)
                try statement.bind(input.sourceType, at: 4)
                try statement.bind(input.source, at: 5)
                try statement.bind(input.schema, at: 6)
                try statement.bind(input.profile, at: 7)
                let tags = String(decoding: try JSONEncoder().encode(input.tags), as: UTF8.self)
                try statement.bind(tags, at: 8)
                try statement.execute()
            }
        }
    }

    /// The datasets a run used.
    public func inputs(runID: Int64) throws -> [RunInput] {
        let statement = try database.cachedStatement(sql: """
            SELECT name, digest, source_type, source, schema, profile, tags FROM run_inputs WHERE run_id = ? ORDER BY name, digest
            """)
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var inputs: [RunInput] = []
        while try statement.step() {
            let tags = (try? JSONDecoder().decode([String: String].self, from: Data(statement.string(at: 6).utf8))) ?? [:]
            inputs.append(RunInput(
                name: statement.string(at: 0), digest: statement.string(at: 1), sourceType: statement.string(at: 2),
                source: statement.string(at: 3), schema: statement.optionalString(at: 4), profile: statement.optionalString(at: 5),
                tags: tags))
        }
        return inputs
    }

    /// Each metric's latest point (highest step, of equal steps the last logged) with its wall time.
    public func latestPoints(runID: Int64) throws -> [LatestPoint] {
        let statement = try database.cachedStatement(sql: """
            SELECT k.key, l.step, l.value,
                (SELECT m.wall_time FROM metric_points m WHERE m.run_id = l.run_id AND m.key_id = l.key_id AND m.step = l.step
                 ORDER BY m.seq DESC LIMIT 1)
            FROM metric_latest l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ? ORDER BY k.key
            """)
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var points: [LatestPoint] = []
        while try statement.step() {
            points.append(LatestPoint(
                key: statement.string(at: 0), step: statement.int(at: 1), value: statement.metricValue(at: 2),
                wallTime: Date(timeIntervalSince1970: statement.optionalDouble(at: 3) ?? 0)))
        }
        return points
    }
}
