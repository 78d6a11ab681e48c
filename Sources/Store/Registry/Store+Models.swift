import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Store {
    static let modelVersionColumns = """
        v.id, v.model_id, m.name, v.version, v.checkpoint_id, v.run_id, v.step, v.weights_sha256, v.dataset_name,
        v.dataset_sha256, coalesce((SELECT e.accuracy FROM evaluations e WHERE e.run_id = v.run_id AND e.step = v.step
            AND e.split = 'test' ORDER BY e.created_at DESC, e.id DESC LIMIT 1), v.test_accuracy), v.description, v.created_at, v.created_by, v.created_host,
        (SELECT r.uid FROM runs r WHERE r.id = v.run_id), v.source, v.logged_model_id, coalesce(v.updated_at, v.created_at)
        """

    /// The OS user recorded with every registry change.
    public static var userName: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid \(geteuid())"
    }

    /// Registers the run's checkpoint at `step` as the next version of model `name` (created when
    /// new), with aliases and tags, all in one transaction with its history entries. Records the
    /// run, step, weights SHA-256, the run's dataset and the checkpoint's latest test accuracy.
    @discardableResult
    public func registerModelVersion(
        name: String, runID: Int64, step: Int, description: String? = nil, aliases: [String] = [],
        tags: [String: String] = [:]
    ) throws -> ModelVersion {
        guard ReferenceReading.isModelName(name) else { throw StoreError.invalidModelName(name) }
        if let bad = aliases.first(where: { !ReferenceReading.isAlias($0) }) { throw StoreError.invalidAlias(bad) }
        return try inTransaction {
            let run = try run(id: runID)
            let find = try database.cachedStatement(sql: "SELECT id FROM checkpoints WHERE run_id = ? AND step = ?")
            try find.bind(runID, at: 1)
            try find.bind(step, at: 2)
            guard try find.step() else {
                find.reset()
                throw StoreError.checkpointNotFound(runID: runID, step: step)
            }
            let checkpointID = find.int64(at: 0)
            find.reset()
            guard let info = try checkpoints(runID: runID).first(where: { $0.id == checkpointID }) else {
                throw StoreError.checkpointNotFound(runID: runID, step: step)
            }
            let modelID: Int64
            if let existing = try self.modelID(named: name) {
                modelID = existing
            } else {
                modelID = try insertModel(name: name, description: nil)
            }
            let next = Int(try database.int64(sql: "SELECT last_version + 1 FROM models WHERE id = \(modelID)") ?? 1)
            let testAccuracy = try testAccuracy(checkpointID: checkpointID)
            let insert = try database.cachedStatement(
                sql: """
                    INSERT INTO model_versions (model_id, version, checkpoint_id, run_id, step, weights_sha256,
                        dataset_name, dataset_sha256, test_accuracy, description, created_at, created_by, created_host, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            try insert.bind(modelID, at: 1)
            try insert.bind(next, at: 2)
            try insert.bind(checkpointID, at: 3)
            try insert.bind(runID, at: 4)
            try insert.bind(step, at: 5)
            try insert.bind(info.weightsSHA256, at: 6)
            try insert.bind(run.datasetName, at: 7)
            try insert.bind(run.datasetSHA256, at: 8)
            try insert.bind(testAccuracy, at: 9)
            try insert.bind(description, at: 10)
            try insert.bind(Date(), at: 11)
            try insert.bind(Self.userName, at: 12)
            try insert.bind(Self.hostName, at: 13)
            try insert.bind(Date(), at: 14)
            try insert.execute()
            try database.execute(sql: "UPDATE models SET last_version = \(next) WHERE id = \(modelID)")
            try touchModel(modelID)
            try appendHistory(
                model: name, action: .versionRegistered, version: next,
                detail: "run \(run.id) \(run.name) step \(step) weights \(info.weightsSHA256)")
            let tagStatement = try database.cachedStatement(
                sql: "INSERT INTO model_tags (model_id, version, key, value) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (model_id, version, key) DO UPDATE SET value = excluded.value")
            for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
                try tagStatement.bind(modelID, at: 1)
                try tagStatement.bind(next, at: 2)
                try tagStatement.bind(key, at: 3)
                try tagStatement.bind(value, at: 4)
                try tagStatement.execute()
            }
            for alias in aliases { try setModelAlias(name: name, alias: alias, version: next) }
            return try modelVersion(name: name, version: next)
        }
    }

    /// The latest test-split accuracy recorded for a checkpoint.
    func testAccuracy(checkpointID: Int64) throws -> Double? {
        let statement = try database.cachedStatement(
            sql: "SELECT accuracy FROM evaluations WHERE checkpoint_id = ? AND split = 'test' ORDER BY created_at DESC, id DESC LIMIT 1")
        try statement.bind(checkpointID, at: 1)
        defer { statement.reset() }
        return try statement.step() ? statement.double(at: 0) : nil
    }

    func modelID(named name: String) throws -> Int64? {
        let statement = try database.cachedStatement(sql: "SELECT id FROM models WHERE name = ?")
        try statement.bind(name, at: 1)
        defer { statement.reset() }
        return try statement.step() ? statement.int64(at: 0) : nil
    }

    func requireModelID(_ name: String) throws -> Int64 {
        guard let id = try modelID(named: name) else { throw StoreError.modelNotFound(name) }
        return id
    }

    /// Every model, by name.
    public func models() throws -> [RegisteredModel] {
        let statement = try database.makeStatement(sql: "SELECT name FROM models ORDER BY name")
        var names: [String] = []
        while try statement.step() { names.append(statement.string(at: 0)) }
        return try names.map(model(named:))
    }

    /// The model called `name`; throws `StoreError.modelNotFound`.
    public func model(named name: String) throws -> RegisteredModel {
        let statement = try database.cachedStatement(
            sql: """
                SELECT m.id, m.name, m.description, m.created_at,
                    (SELECT count(*) FROM model_versions WHERE model_id = m.id),
                    (SELECT max(version) FROM model_versions WHERE model_id = m.id), coalesce(m.updated_at, m.created_at)
                FROM models m WHERE m.name = ?
                """)
        try statement.bind(name, at: 1)
        guard try statement.step() else {
            statement.reset()
            throw StoreError.modelNotFound(name)
        }
        let id = statement.int64(at: 0)
        let (description, createdAt) = (statement.optionalString(at: 2), statement.date(at: 3))
        let (count, latest, updatedAt) = (statement.int(at: 4), statement.optionalInt(at: 5), statement.date(at: 6))
        statement.reset()
        return RegisteredModel(
            id: id, name: name, description: description, createdAt: createdAt, updatedAt: updatedAt, versionCount: count,
            latestVersion: latest, aliases: try aliases(modelID: id), tags: try modelTags(modelID: id, version: 0))
    }

    func aliases(modelID: Int64) throws -> [String: Int] {
        let statement = try database.cachedStatement(
            sql: "SELECT a.alias, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ?")
        try statement.bind(modelID, at: 1)
        defer { statement.reset() }
        var aliases: [String: Int] = [:]
        while try statement.step() { aliases[statement.string(at: 0)] = statement.int(at: 1) }
        return aliases
    }

    func modelTags(modelID: Int64, version: Int) throws -> [String: String] {
        let statement = try database.cachedStatement(
            sql: "SELECT key, value FROM model_tags WHERE model_id = ? AND version = ?")
        try statement.bind(modelID, at: 1)
        try statement.bind(version, at: 2)
        defer { statement.reset() }
        var tags: [String: String] = [:]
        while try statement.step() { tags[statement.string(at: 0)] = statement.string(at: 1) }
        return tags
    }

    /// Reads version rows of `sql` (which selects `modelVersionColumns` and binds `bind`).
    func readVersions(sql: String, bind: (Statement) throws -> Void) throws -> [ModelVersion] {
        let statement = try database.cachedStatement(sql: sql)
        try bind(statement)
        var rows: [ModelVersion] = []
        while try statement.step() {
            let s = statement
            rows.append(ModelVersion(
                id: s.int64(at: 0), modelID: s.int64(at: 1), modelName: s.string(at: 2), version: s.int(at: 3),
                checkpointID: s.optionalInt64(at: 4), runID: s.optionalInt64(at: 5), runUID: s.optionalString(at: 15),
                step: s.optionalInt(at: 6), weightsSHA256: s.optionalString(at: 7), source: s.optionalString(at: 16),
                loggedModelID: s.optionalString(at: 17), datasetName: s.optionalString(at: 8), datasetSHA256: s.optionalString(at: 9),
                testAccuracy: s.optionalDouble(at: 10), description: s.optionalString(at: 11), createdAt: s.date(at: 12),
                updatedAt: s.date(at: 18), createdBy: s.string(at: 13), createdHost: s.string(at: 14), aliases: [], tags: [:]))
        }
        statement.reset()
        var aliasesByModel: [Int64: [String: Int]] = [:]
        for index in rows.indices {
            let modelID = rows[index].modelID
            let aliases = try aliasesByModel[modelID] ?? self.aliases(modelID: modelID)
            aliasesByModel[modelID] = aliases
            rows[index].aliases = aliases.filter { $0.value == rows[index].version }.keys.sorted()
            rows[index].tags = try modelTags(modelID: modelID, version: rows[index].version)
        }
        return rows
    }

    /// A model's versions, newest first.
    public func modelVersions(name: String) throws -> [ModelVersion] {
        let id = try requireModelID(name)
        return try readVersions(
            sql: "SELECT \(Self.modelVersionColumns) FROM model_versions v JOIN models m ON m.id = v.model_id "
                + "WHERE v.model_id = ? ORDER BY v.version DESC") { try $0.bind(id, at: 1) }
    }

    /// The model versions made from a run's checkpoints, by model and version.
    public func modelVersions(runID: Int64) throws -> [ModelVersion] {
        try readVersions(
            sql: "SELECT \(Self.modelVersionColumns) FROM model_versions v JOIN models m ON m.id = v.model_id "
                + "WHERE v.run_id = ? ORDER BY m.name, v.version") { try $0.bind(runID, at: 1) }
    }

    /// Version `version` of model `name`; throws `modelNotFound` or `modelVersionNotFound`.
    public func modelVersion(name: String, version: Int) throws -> ModelVersion {
        let id = try requireModelID(name)
        let found = try readVersions(
            sql: "SELECT \(Self.modelVersionColumns) FROM model_versions v JOIN models m ON m.id = v.model_id "
                + "WHERE v.model_id = ? AND v.version = ?") { try $0.bind(id, at: 1); try $0.bind(version, at: 2) }
        guard let first = found.first else {
            throw StoreError.modelVersionNotFound(
                model: name, version: version, existing: try modelVersions(name: name).map(\.version).reversed())
        }
        return first
    }

    /// The version `alias` points at (`latest`: the highest version); throws `aliasNotFound`.
    public func modelVersion(name: String, alias: String) throws -> ModelVersion {
        let model = try model(named: name)
        if alias == ReferenceReading.latestAlias {
            guard let latest = model.latestVersion else {
                throw StoreError.modelVersionNotFound(model: name, version: model.versionCount + 1, existing: [])
            }
            return try modelVersion(name: name, version: latest)
        }
        guard let version = model.aliases[alias] else {
            throw StoreError.aliasNotFound(model: name, alias: alias, existing: model.aliases)
        }
        return try modelVersion(name: name, version: version)
    }

    /// Points `alias` of model `name` at `version`, creating or moving it in one statement, with a
    /// history entry. Returns the version it pointed at before, if any.
    @discardableResult
    public func setModelAlias(name: String, alias: String, version: Int) throws -> Int? {
        guard ReferenceReading.isAlias(alias) else { throw StoreError.invalidAlias(alias) }
        return try inTransaction {
            let target = try modelVersion(name: name, version: version)
            let previous = try aliases(modelID: target.modelID)[alias]
            if previous == version { return previous }
            let statement = try database.cachedStatement(
                sql: """
                    INSERT INTO model_aliases (model_id, alias, version_id, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id, updated_at = excluded.updated_at
                    """)
            try statement.bind(target.modelID, at: 1)
            try statement.bind(alias, at: 2)
            try statement.bind(target.id, at: 3)
            try statement.bind(Date(), at: 4)
            try statement.execute()
            try touchModel(target.modelID)
            try appendHistory(
                model: name, action: previous == nil ? .aliasSet : .aliasMoved, version: version, alias: alias,
                previousVersion: previous)
            return previous
        }
    }

    /// Removes `alias` of model `name`, with a history entry; throws `aliasNotFound`.
    public func removeModelAlias(name: String, alias: String) throws {
        try inTransaction {
            let modelID = try requireModelID(name)
            let existing = try aliases(modelID: modelID)
            guard let previous = existing[alias] else {
                throw StoreError.aliasNotFound(model: name, alias: alias, existing: existing)
            }
            let statement = try database.cachedStatement(sql: "DELETE FROM model_aliases WHERE model_id = ? AND alias = ?")
            try statement.bind(modelID, at: 1)
            try statement.bind(alias, at: 2)
            try statement.execute()
            try touchModel(modelID)
            try appendHistory(model: name, action: .aliasRemoved, alias: alias, previousVersion: previous)
        }
    }

    /// Deletes one version (its checkpoint stays with its run; `gc` may then drop it). Refused while
    /// an alias points at it unless `force`, which removes those aliases first, each in the history.
    public func deleteModelVersion(name: String, version: Int, force: Bool = false) throws {
        try inTransaction {
            let target = try modelVersion(name: name, version: version)
            if !target.aliases.isEmpty {
                guard force else { throw StoreError.versionHasAliases(model: name, version: version, aliases: target.aliases) }
                for alias in target.aliases { try removeModelAlias(name: name, alias: alias) }
            }
            try database.execute(sql: "DELETE FROM model_tags WHERE model_id = \(target.modelID) AND version = \(version)")
            try database.execute(sql: "DELETE FROM model_versions WHERE id = \(target.id)")
            try touchModel(target.modelID)
            try appendHistory(model: name, action: .versionDeleted, version: version, detail: target.origin)
        }
    }

    /// Deletes a model and all its versions (refused while aliases exist unless `force`).
    public func deleteModel(name: String, force: Bool = false) throws {
        try inTransaction {
            let model = try model(named: name)
            if !model.aliases.isEmpty, !force, let (alias, version) = model.aliases.min(by: { $0.key < $1.key }) {
                throw StoreError.versionHasAliases(model: name, version: version, aliases: [alias])
            }
            for version in try modelVersions(name: name) {
                try deleteModelVersion(name: name, version: version.version, force: force)
            }
            try database.execute(sql: "DELETE FROM models WHERE id = \(model.id)")
            try appendHistory(model: name, action: .modelDeleted)
        }
    }

    /// A model's history, oldest first (also for a deleted model: the history outlives it). A
    /// renamed model's history includes what happened under its earlier names.
    public func modelHistory(name: String) throws -> [ModelHistoryEntry] {
        // What happened under this name before a model was renamed away from it is that model's.
        let renamedAway = try database.cachedStatement(
            sql: "SELECT max(id) FROM model_history WHERE action = 'model_renamed' AND detail = ?")
        try renamedAway.bind(name, at: 1)
        let after = try renamedAway.step() ? renamedAway.optionalInt64(at: 0) ?? 0 : 0
        renamedAway.reset()
        var entries = try historyEntries(name: name, before: nil).filter { $0.id > after }
        var renames = entries.filter { $0.action == .modelRenamed }
        while let rename = renames.popLast(), let earlier = rename.detail {
            let older = try historyEntries(name: earlier, before: rename.id)
            entries += older
            renames += older.filter { $0.action == .modelRenamed }
        }
        if entries.isEmpty { _ = try requireModelID(name) }
        return entries.sorted { $0.id < $1.id }
    }

    private func historyEntries(name: String, before: Int64?) throws -> [ModelHistoryEntry] {
        let statement = try database.cachedStatement(
            sql: """
                SELECT id, model_name, action, version, alias, previous_version, detail, at, "user", host
                FROM model_history WHERE model_name = ? AND id < ? ORDER BY id
                """)
        try statement.bind(name, at: 1)
        try statement.bind(before ?? Int64.max, at: 2)
        defer { statement.reset() }
        var entries: [ModelHistoryEntry] = []
        while try statement.step() {
            let s = statement
            entries.append(ModelHistoryEntry(
                id: s.int64(at: 0), modelName: s.string(at: 1),
                action: ModelHistoryEntry.Action(rawValue: s.string(at: 2)) ?? .versionRegistered,
                version: s.optionalInt(at: 3), alias: s.optionalString(at: 4), previousVersion: s.optionalInt(at: 5),
                detail: s.optionalString(at: 6), at: s.date(at: 7), user: s.string(at: 8), host: s.string(at: 9)))
        }
        return entries
    }

    func appendHistory(
        model: String, action: ModelHistoryEntry.Action, version: Int? = nil, alias: String? = nil,
        previousVersion: Int? = nil, detail: String? = nil
    ) throws {
        let statement = try database.cachedStatement(
            sql: """
                INSERT INTO model_history (model_name, action, version, alias, previous_version, detail, at, "user", host)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        try statement.bind(model, at: 1)
        try statement.bind(action.rawValue, at: 2)
        try statement.bind(version, at: 3)
        try statement.bind(alias, at: 4)
        try statement.bind(previousVersion, at: 5)
        try statement.bind(detail, at: 6)
        try statement.bind(Date(), at: 7)
        try statement.bind(Self.userName, at: 8)
        try statement.bind(Self.hostName, at: 9)
        try statement.execute()
    }
}
