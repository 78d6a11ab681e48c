import Foundation

/// Registry changes beyond registering checkpoints, as MLflow's API makes them: models created
/// empty, renamed and described, tags of models and versions, and versions whose source is files
/// the API names (a run's artifact path or a logged model) rather than a checkpoint. Every change
/// that the history records is appended to it in the same transaction.
extension Store {
    /// Inserts model `name` with its history entry; returns its id. Call inside a transaction.
    func insertModel(name: String, description: String?) throws -> Int64 {
        let insert = try database.cachedStatement(
            sql: "INSERT INTO models (name, description, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id")
        let now = Date()
        try insert.bind(name, at: 1)
        try insert.bind(description, at: 2)
        try insert.bind(now, at: 3)
        try insert.bind(now, at: 4)
        let id = try insertedID(insert)
        try appendHistory(model: name, action: .modelCreated)
        return id
    }

    /// Marks a model as changed now (MLflow's `last_updated_timestamp`).
    func touchModel(_ modelID: Int64) throws {
        let statement = try database.cachedStatement(sql: "UPDATE models SET updated_at = ? WHERE id = ?")
        try statement.bind(Date(), at: 1)
        try statement.bind(modelID, at: 2)
        try statement.execute()
    }

    /// Creates model `name` with no versions yet; throws `duplicateModelName` when it exists.
    @discardableResult
    public func createModel(name: String, description: String? = nil, tags: [String: String] = [:]) throws -> RegisteredModel {
        guard ReferenceReading.isModelName(name) else { throw StoreError.invalidModelName(name) }
        return try inTransaction {
            guard try modelID(named: name) == nil else { throw StoreError.duplicateModelName(name) }
            let id = try insertModel(name: name, description: description)
            for (key, value) in tags { try writeModelTag(modelID: id, version: 0, key: key, value: value) }
            return try model(named: name)
        }
    }

    /// Sets (nil: clears) the description of a model, or of one version when `version` is given.
    public func describeModel(name: String, version: Int? = nil, description: String?) throws {
        try inTransaction {
            let modelID = try requireModelID(name)
            if let version {
                let target = try modelVersion(name: name, version: version)
                let statement = try database.cachedStatement(sql: "UPDATE model_versions SET description = ?, updated_at = ? WHERE id = ?")
                try statement.bind(description, at: 1)
                try statement.bind(Date(), at: 2)
                try statement.bind(target.id, at: 3)
                try statement.execute()
            } else {
                let statement = try database.cachedStatement(sql: "UPDATE models SET description = ? WHERE id = ?")
                try statement.bind(description, at: 1)
                try statement.bind(modelID, at: 2)
                try statement.execute()
            }
            try touchModel(modelID)
        }
    }

    /// Renames a model; its versions, tags and aliases follow, and its history (which names models
    /// by name) gains a `model_renamed` entry under the new name that `modelHistory` follows back.
    public func renameModel(name: String, to newName: String) throws {
        guard ReferenceReading.isModelName(newName) else { throw StoreError.invalidModelName(newName) }
        try inTransaction {
            let modelID = try requireModelID(name)
            guard newName != name else { return }
            guard try self.modelID(named: newName) == nil else { throw StoreError.duplicateModelName(newName) }
            let statement = try database.cachedStatement(sql: "UPDATE models SET name = ? WHERE id = ?")
            try statement.bind(newName, at: 1)
            try statement.bind(modelID, at: 2)
            try statement.execute()
            try touchModel(modelID)
            try appendHistory(model: newName, action: .modelRenamed, detail: name)
        }
    }

    /// Sets tag `key` of a model (`version` nil) or of one of its versions.
    public func setModelTag(name: String, version: Int? = nil, key: String, value: String) throws {
        try inTransaction {
            let modelID = try requireModelID(name)
            if let version { _ = try modelVersion(name: name, version: version) }
            try writeModelTag(modelID: modelID, version: version ?? 0, key: key, value: value)
            try touchModel(modelID)
        }
    }

    /// Removes tag `key` of a model or version; throws `tagNotFound` when it has none.
    public func deleteModelTag(name: String, version: Int? = nil, key: String) throws {
        try inTransaction {
            let modelID = try requireModelID(name)
            if let version { _ = try modelVersion(name: name, version: version) }
            let statement = try database.cachedStatement(sql: "DELETE FROM model_tags WHERE model_id = ? AND version = ? AND key = ?")
            try statement.bind(modelID, at: 1)
            try statement.bind(version ?? 0, at: 2)
            try statement.bind(key, at: 3)
            try statement.execute()
            guard database.changesCount > 0 else { throw StoreError.tagNotFound(key: key) }
            try touchModel(modelID)
        }
    }

    func writeModelTag(modelID: Int64, version: Int, key: String, value: String) throws {
        let statement = try database.cachedStatement(
            sql: "INSERT INTO model_tags (model_id, version, key, value) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (model_id, version, key) DO UPDATE SET value = excluded.value")
        try statement.bind(modelID, at: 1)
        try statement.bind(version, at: 2)
        try statement.bind(key, at: 3)
        try statement.bind(value, at: 4)
        try statement.execute()
    }

    /// Registers files the MLflow API names as the next version of model `name` (which must
    /// exist): `source` as the API gave it, the run it names (its dataset is recorded) and the
    /// logged model it was made from, if any.
    @discardableResult
    public func registerModelSource(
        name: String, source: String, runID: Int64?, loggedModelID: String?, description: String? = nil,
        tags: [String: String] = [:]
    ) throws -> ModelVersion {
        try inTransaction {
            let modelID = try requireModelID(name)
            let run = try runID.map { try self.run(id: $0) }
            if let loggedModelID { _ = try loggedModel(id: loggedModelID) }
            let next = Int(try database.int64(sql: "SELECT last_version + 1 FROM models WHERE id = \(modelID)") ?? 1)
            let insert = try database.cachedStatement(
                sql: """
                    INSERT INTO model_versions (model_id, version, run_id, dataset_name, dataset_sha256, description,
                        created_at, created_by, created_host, source, logged_model_id, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let now = Date()
            try insert.bind(modelID, at: 1)
            try insert.bind(next, at: 2)
            try insert.bind(runID, at: 3)
            try insert.bind(run?.datasetName, at: 4)
            try insert.bind(run?.datasetSHA256, at: 5)
            try insert.bind(description, at: 6)
            try insert.bind(now, at: 7)
            try insert.bind(Self.userName, at: 8)
            try insert.bind(Self.hostName, at: 9)
            try insert.bind(source, at: 10)
            try insert.bind(loggedModelID, at: 11)
            try insert.bind(now, at: 12)
            try insert.execute()
            try database.execute(sql: "UPDATE models SET last_version = \(next) WHERE id = \(modelID)")
            for (key, value) in tags { try writeModelTag(modelID: modelID, version: next, key: key, value: value) }
            try touchModel(modelID)
            try appendHistory(
                model: name, action: .versionRegistered, version: next,
                detail: "source \(source)" + (run.map { " of run \($0.id) \($0.name)" } ?? ""))
            return try modelVersion(name: name, version: next)
        }
    }

    /// Every version of every model, by model name and version (MLflow's `search_model_versions`
    /// filters them).
    public func allModelVersions() throws -> [ModelVersion] {
        try readVersions(
            sql: "SELECT \(Self.modelVersionColumns) FROM model_versions v JOIN models m ON m.id = v.model_id "
                + "ORDER BY m.name, v.version") { _ in }
    }
}
