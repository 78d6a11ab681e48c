import Foundation

/// A model as MLflow 3's `log_model` records it (migration 0009): files of its own under the
/// experiment's `models/ID/artifacts/`, the run that made it, params and tags, and a status that
/// goes from pending to ready once its files are uploaded. A registry version made from it names it.
public struct LoggedModel: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, ready, failed }
    /// `m-` and 32 hex digits.
    public let id: String
    public let experimentID: Int64
    public let name: String
    /// The run that made it, if any, and that run's uid.
    public let runID: Int64?
    public let runUID: String?
    public let modelType: String?
    public let status: Status
    public let statusMessage: String?
    public let createdAt: Date
    public let updatedAt: Date
    public let deletedAt: Date?
    public let tags: [String: String]
    public let params: [String: String]
}

extension Store {
    /// Records a new logged model (pending) in experiment `experimentID`, with a fresh id.
    public func createLoggedModel(
        experimentID: Int64, name: String, runID: Int64?, modelType: String?, params: [String: String], tags: [String: String]
    ) throws -> LoggedModel {
        try inTransaction {
            let experiment = try experiment(id: experimentID)
            guard experiment.isActive else { throw StoreError.experimentIsDeleted(experiment.name) }
            if let runID { try requireRun(runID) }
            let id = "m-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let now = Date()
            let insert = try database.cachedStatement(
                sql: """
                    INSERT INTO logged_models (id, experiment_id, name, run_id, model_type, status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
                    """)
            try insert.bind(id, at: 1)
            try insert.bind(experimentID, at: 2)
            try insert.bind(name, at: 3)
            try insert.bind(runID, at: 4)
            try insert.bind(modelType, at: 5)
            try insert.bind(now, at: 6)
            try insert.bind(now, at: 7)
            try insert.execute()
            try writeLoggedModelPairs(table: "logged_model_params", id: id, pairs: params)
            try writeLoggedModelPairs(table: "logged_model_tags", id: id, pairs: tags)
            return try loggedModel(id: id)
        }
    }

    private func writeLoggedModelPairs(table: String, id: String, pairs: [String: String]) throws {
        let statement = try database.cachedStatement(
            sql: "INSERT INTO \(table) (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value")
        for (key, value) in pairs.sorted(by: { $0.key < $1.key }) {
            try statement.bind(id, at: 1)
            try statement.bind(key, at: 2)
            try statement.bind(value, at: 3)
            try statement.execute()
        }
    }

    private func loggedModelPairs(table: String, id: String) throws -> [String: String] {
        let statement = try database.cachedStatement(sql: "SELECT key, value FROM \(table) WHERE model_id = ?")
        try statement.bind(id, at: 1)
        defer { statement.reset() }
        var pairs: [String: String] = [:]
        while try statement.step() { pairs[statement.string(at: 0)] = statement.string(at: 1) }
        return pairs
    }

    static let loggedModelColumns = """
        l.id, l.experiment_id, l.name, l.run_id, r.uid, l.model_type, l.status, l.status_message, l.created_at,
        l.updated_at, l.deleted_at
        """

    private func readLoggedModels(where condition: String, bind: (Statement) throws -> Void) throws -> [LoggedModel] {
        let statement = try database.cachedStatement(
            sql: "SELECT \(Self.loggedModelColumns) FROM logged_models l LEFT JOIN runs r ON r.id = l.run_id WHERE \(condition) ORDER BY l.created_at DESC, l.id")
        try bind(statement)
        var rows: [(String, Int64, String, Int64?, String?, String?, String, String?, Date, Date, Date?)] = []
        while try statement.step() {
            let s = statement
            rows.append((s.string(at: 0), s.int64(at: 1), s.string(at: 2), s.optionalInt64(at: 3), s.optionalString(at: 4),
                         s.optionalString(at: 5), s.string(at: 6), s.optionalString(at: 7), s.date(at: 8), s.date(at: 9),
                         s.isNull(at: 10) ? nil : s.date(at: 10)))
        }
        statement.reset()
        return try rows.map { r in
            LoggedModel(
                id: r.0, experimentID: r.1, name: r.2, runID: r.3, runUID: r.4, modelType: r.5,
                status: LoggedModel.Status(rawValue: r.6) ?? .pending, statusMessage: r.7, createdAt: r.8, updatedAt: r.9,
                deletedAt: r.10, tags: try loggedModelPairs(table: "logged_model_tags", id: r.0),
                params: try loggedModelPairs(table: "logged_model_params", id: r.0))
        }
    }

    /// The logged model `id`; throws `loggedModelNotFound`.
    public func loggedModel(id: String) throws -> LoggedModel {
        guard let found = try readLoggedModels(where: "l.id = ?", bind: { try $0.bind(id, at: 1) }).first else {
            throw StoreError.loggedModelNotFound(id)
        }
        return found
    }

    /// The logged models of these experiments (all when empty), newest first; deleted ones only when asked.
    public func loggedModels(experimentIDs: [Int64], includingDeleted: Bool = false) throws -> [LoggedModel] {
        var conditions = [includingDeleted ? "1 = 1" : "l.deleted_at IS NULL"]
        if !experimentIDs.isEmpty { conditions.append("l.experiment_id IN (\(experimentIDs.map(String.init).joined(separator: ", ")))") }
        return try readLoggedModels(where: conditions.joined(separator: " AND "), bind: { _ in })
    }

    /// The models a run made (MLflow's run outputs), by model id.
    public func loggedModels(runID: Int64) throws -> [LoggedModel] {
        try readLoggedModels(where: "l.run_id = ?", bind: { try $0.bind(runID, at: 1) })
    }

    /// Sets a logged model's status (and its message), and tags given with it.
    @discardableResult
    public func updateLoggedModel(id: String, status: LoggedModel.Status?, message: String? = nil, tags: [String: String] = [:]) throws -> LoggedModel {
        try inTransaction {
            _ = try loggedModel(id: id)
            if let status {
                let statement = try database.cachedStatement(sql: "UPDATE logged_models SET status = ?, status_message = ?, updated_at = ? WHERE id = ?")
                try statement.bind(status.rawValue, at: 1)
                try statement.bind(message, at: 2)
                try statement.bind(Date(), at: 3)
                try statement.bind(id, at: 4)
                try statement.execute()
            }
            try writeLoggedModelPairs(table: "logged_model_tags", id: id, pairs: tags)
            return try loggedModel(id: id)
        }
    }

    /// Removes tag `key` of a logged model; throws `tagNotFound`.
    public func deleteLoggedModelTag(id: String, key: String) throws {
        try inTransaction {
            _ = try loggedModel(id: id)
            let statement = try database.cachedStatement(sql: "DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?")
            try statement.bind(id, at: 1)
            try statement.bind(key, at: 2)
            try statement.execute()
            guard database.changesCount > 0 else { throw StoreError.tagNotFound(key: key) }
        }
    }

    /// Marks a logged model deleted (its files stay while a registry version names it).
    public func deleteLoggedModel(id: String) throws {
        try inTransaction {
            _ = try loggedModel(id: id)
            let statement = try database.cachedStatement(sql: "UPDATE logged_models SET deleted_at = ?, updated_at = ? WHERE id = ?")
            try statement.bind(Date(), at: 1)
            try statement.bind(Date(), at: 2)
            try statement.bind(id, at: 3)
            try statement.execute()
        }
    }

    /// Records that the run made these logged models, at these steps (MLflow's `runs/outputs`).
    public func logRunOutputs(runID: Int64, models: [(id: String, step: Int)]) throws {
        try inTransaction {
            try requireRun(runID)
            let insert = try database.cachedStatement(
                sql: "INSERT INTO run_outputs (run_id, model_id, step) VALUES (?, ?, ?) ON CONFLICT (run_id, model_id, step) DO NOTHING")
            for model in models {
                _ = try loggedModel(id: model.id)
                try insert.bind(runID, at: 1)
                try insert.bind(model.id, at: 2)
                try insert.bind(model.step, at: 3)
                try insert.execute()
            }
        }
    }

    /// The run's outputs: the logged models it made, with their steps, in order.
    public func runOutputs(runID: Int64) throws -> [(modelID: String, step: Int)] {
        let statement = try database.cachedStatement(sql: "SELECT model_id, step FROM run_outputs WHERE run_id = ? ORDER BY step, model_id")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var outputs: [(String, Int)] = []
        while try statement.step() { outputs.append((statement.string(at: 0), statement.int(at: 1))) }
        return outputs
    }
}
