import Foundation
import RunFilter

/// A named group of runs (MLflow's experiment). Id 0 is `Default`.
public struct Experiment: Sendable, Equatable, Codable {
    public let id: Int64
    public let name: String
    /// False once deleted (`nnreg experiment delete`); its runs stay, hidden with it, until restored.
    public let isActive: Bool
    /// Where its runs' artifacts live, as MLflow reports it (`mlflow-artifacts:/ID` unless given).
    public let artifactLocation: String
    public let createdAt: Date
    public let updatedAt: Date
    public let tags: [String: String]
    /// Runs in it (deleted ones included).
    public let runCount: Int
}

extension Store {
    /// The id of `Default`, where runs go unless told otherwise.
    public static let defaultExperimentID: Int64 = 0

    static let experimentColumns = """
        e.id, e.name, e.lifecycle, e.artifact_location, e.created_at, e.updated_at,
        (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id)
        """

    private func readExperiments(_ statement: any Statement) throws -> [Experiment] {
        var rows: [(Int64, String, Bool, String, Date, Date, Int)] = []
        while try statement.step() {
            rows.append((statement.int64(at: 0), statement.string(at: 1), statement.string(at: 2) == "active",
                         statement.string(at: 3), statement.date(at: 4), statement.date(at: 5), statement.int(at: 6)))
        }
        statement.reset()
        return try rows.map {
            Experiment(id: $0.0, name: $0.1, isActive: $0.2, artifactLocation: $0.3, createdAt: $0.4, updatedAt: $0.5,
                       tags: try experimentTags(id: $0.0), runCount: $0.6)
        }
    }

    /// Experiments by id; `lifecycle` picks active ones, deleted ones, or all.
    public func experiments(lifecycle: RunSearch.Lifecycle = .active) throws -> [Experiment] {
        let condition = switch lifecycle {
        case .active: "WHERE e.lifecycle = 'active'"
        case .deleted: "WHERE e.lifecycle = 'deleted'"
        case .all: ""
        }
        return try readExperiments(try database.makeStatement(
            sql: "SELECT \(Self.experimentColumns) FROM experiments e \(condition) ORDER BY e.id"))
    }

    /// The experiment with this id; throws `StoreError.experimentNotFound`.
    public func experiment(id: Int64) throws -> Experiment {
        let statement = try database.cachedStatement(sql: "SELECT \(Self.experimentColumns) FROM experiments e WHERE e.id = ?")
        try statement.bind(id, at: 1)
        guard let found = try readExperiments(statement).first else { throw StoreError.experimentNotFound(String(id)) }
        return found
    }

    /// Where an experiment's artifacts are, as MLflow reports it (one indexed read: what every run
    /// the API describes needs, without the experiment's run count).
    public func experimentArtifactLocation(id: Int64) throws -> String {
        let statement = try database.cachedStatement(sql: "SELECT artifact_location FROM experiments WHERE id = ?")
        try statement.bind(id, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { throw StoreError.experimentNotFound(String(id)) }
        return statement.string(at: 0)
    }

    /// The experiment with this name (active or deleted), or nil.
    public func experiment(named name: String) throws -> Experiment? {
        let statement = try database.cachedStatement(sql: "SELECT \(Self.experimentColumns) FROM experiments e WHERE e.name = ?")
        try statement.bind(name, at: 1)
        return try readExperiments(statement).first
    }

    /// The experiment named by `reference`: its name, or its numeric id.
    public func experiment(reference: String) throws -> Experiment {
        if let found = try experiment(named: reference) { return found }
        if let id = Int64(reference), let found = try? experiment(id: id) { return found }
        throw StoreError.experimentNotFound(reference)
    }

    /// Throws `StoreError.experimentNotFound` unless the experiment exists.
    func requireExperiment(_ id: Int64) throws {
        let statement = try database.cachedStatement(sql: "SELECT 1 FROM experiments WHERE id = ?")
        try statement.bind(id, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { throw StoreError.experimentNotFound(String(id)) }
    }

    static func isValidExperimentName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 500 && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    /// Creates an experiment; its artifact location is `mlflow-artifacts:/ID` unless given. Throws
    /// `duplicateExperimentName` when the name is taken (by a deleted experiment too, as in MLflow).
    @discardableResult
    public func createExperiment(name: String, artifactLocation: String? = nil, tags: [String: String] = [:]) throws -> Experiment {
        guard Self.isValidExperimentName(name) else { throw StoreError.invalidExperimentName(name) }
        return try inTransaction {
            if try experiment(named: name) != nil { throw StoreError.duplicateExperimentName(name) }
            let now = Date()
            let insert = try database.cachedStatement(sql: """
                INSERT INTO experiments (name, artifact_location, created_at, updated_at) VALUES (?, '', ?, ?) RETURNING id
                """)
            try insert.bind(name, at: 1)
            try insert.bind(now, at: 2)
            try insert.bind(now, at: 3)
            let id = try insertedID(insert)
            let location = try database.cachedStatement(sql: "UPDATE experiments SET artifact_location = ? WHERE id = ?")
            try location.bind(artifactLocation ?? "mlflow-artifacts:/\(id)", at: 1)
            try location.bind(id, at: 2)
            try location.execute()
            for (key, value) in tags.sorted(by: { $0.key < $1.key }) { try setExperimentTag(key, value, experimentID: id) }
            return try experiment(id: id)
        }
    }

    /// The id of the experiment named `name`, created when missing (`--experiment NAME`). A deleted
    /// one is refused: restore it first.
    public func experimentID(forName name: String) throws -> Int64 {
        try inTransaction {
            if let found = try experiment(named: name) {
                guard found.isActive else { throw StoreError.experimentIsDeleted(name) }
                return found.id
            }
            return try createExperiment(name: name).id
        }
    }

    /// Renames an experiment; the new name must be free.
    public func renameExperiment(id: Int64, to name: String) throws {
        guard Self.isValidExperimentName(name) else { throw StoreError.invalidExperimentName(name) }
        try inTransaction {
            if let other = try experiment(named: name), other.id != id { throw StoreError.duplicateExperimentName(name) }
            try updateExperiment(id: id, set: "name = ?", name)
        }
    }

    /// Marks an experiment deleted (its runs stay); `Default` cannot be deleted, as in MLflow.
    public func deleteExperiment(id: Int64) throws {
        guard id != Self.defaultExperimentID else { throw StoreError.defaultExperimentIsPermanent }
        try inTransaction { try updateExperiment(id: id, set: "lifecycle = 'deleted'") }
    }

    /// Makes a deleted experiment active again.
    public func restoreExperiment(id: Int64) throws {
        try inTransaction { try updateExperiment(id: id, set: "lifecycle = 'active'") }
    }

    private func updateExperiment(id: Int64, set assignment: String, _ text: String? = nil) throws {
        let statement = try database.cachedStatement(sql: "UPDATE experiments SET \(assignment), updated_at = ? WHERE id = ?")
        var index: Int32 = 1
        if let text {
            try statement.bind(text, at: index)
            index += 1
        }
        try statement.bind(Date(), at: index)
        try statement.bind(id, at: index + 1)
        try statement.execute()
        if database.changesCount == 0 { throw StoreError.experimentNotFound(String(id)) }
    }

    /// Sets (or replaces) a tag of an experiment.
    public func setExperimentTag(_ key: String, _ value: String, experimentID: Int64) throws {
        try inTransaction {
            try requireExperiment(experimentID)
            let statement = try database.cachedStatement(
                sql: "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) "
                    + "ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value")
            try statement.bind(experimentID, at: 1)
            try statement.bind(key, at: 2)
            try statement.bind(value, at: 3)
            try statement.execute()
        }
    }

    /// Removes a tag of an experiment; throws `tagNotFound` when it is not set.
    public func deleteExperimentTag(_ key: String, experimentID: Int64) throws {
        try inTransaction {
            let statement = try database.cachedStatement(sql: "DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?")
            try statement.bind(experimentID, at: 1)
            try statement.bind(key, at: 2)
            try statement.execute()
            if database.changesCount == 0 { throw StoreError.tagNotFound(key: key) }
        }
    }

    /// An experiment's tags.
    public func experimentTags(id: Int64) throws -> [String: String] {
        let statement = try database.cachedStatement(sql: "SELECT key, value FROM experiment_tags WHERE experiment_id = ?")
        try statement.bind(id, at: 1)
        defer { statement.reset() }
        var tags: [String: String] = [:]
        while try statement.step() { tags[statement.string(at: 0)] = statement.string(at: 1) }
        return tags
    }

    /// Moves runs to another experiment.
    public func moveRuns(ids: [Int64], toExperiment experimentID: Int64) throws {
        try inTransaction {
            try requireExperiment(experimentID)
            let statement = try database.cachedStatement(sql: "UPDATE runs SET experiment_id = ? WHERE id = ?")
            for id in ids {
                try statement.bind(experimentID, at: 1)
                try statement.bind(id, at: 2)
                try statement.execute()
            }
        }
    }
}
