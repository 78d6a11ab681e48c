import Foundation

/// The registry's half of `copyRuns`: model versions made from runs that are now the same on both
/// sides, with their models, tags, aliases and history.
extension Store {
    /// A model version of this store as `copyModelVersions` reads it.
    struct VersionToCopy {
        let model: String
        let modelDescription: String?
        let modelCreatedAt: Double
        let version: Int64
        let runID: Int64
        let runUID: String
        let runName: String
        let step: Int64
        let weightsSHA256: String
        /// dataset_name, dataset_sha256, test_accuracy, description, created_at, created_by, created_host.
        let columns: [ColumnValue]

        var reference: String { "\(model):v\(version)" }
    }

    static let copiedVersionColumns = [
        "dataset_name", "dataset_sha256", "test_accuracy", "description", "created_at", "created_by", "created_host",
    ]

    /// One model_history row, every column but its id.
    struct HistoryRow: Hashable {
        let action: String
        let version: Int64?
        let alias: String?
        let previousVersion: Int64?
        let detail: String?
        let at: Double
        let user: String
        let host: String
    }

    /// Copies, for every run in `runs` (source id → destination id, runs whose content is now equal
    /// on both sides), the model versions made from its checkpoints, one model per destination
    /// transaction:
    ///
    /// - the model is found by name, or created with its description and time (`last_version` is
    ///   raised to the highest number copied, so the destination never gives those numbers again);
    /// - a version whose number the destination lacks is added, naming the copy of its checkpoint;
    ///   one whose number names the same run (uid), step and weights is already there; one that names
    ///   anything else, or whose number the destination gave and deleted, is a conflict;
    /// - tags (of the model and of those versions) are added where the destination has no value, a
    ///   different value is a conflict; aliases pointing at those versions likewise;
    /// - the model's history entries the destination lacks are appended in their order (who, when
    ///   and what, as they happened at the source).
    func copyModelVersions(ofRuns runs: [Int64: Int64], to destination: Store, report: inout CopyReport) throws {
        guard !runs.isEmpty else { return }
        let columns = Self.copiedVersionColumns
        let statement = try database.makeStatement(
            sql: """
                SELECT m.name, m.description, m.created_at, v.version, v.run_id, r.uid, r.name, v.step, v.weights_sha256,
                    \(columns.map { "v.\($0)" }.joined(separator: ", "))
                FROM model_versions v JOIN models m ON m.id = v.model_id JOIN runs r ON r.id = v.run_id
                WHERE v.checkpoint_id IS NOT NULL
                """)
        var byModel: [String: [VersionToCopy]] = [:]
        while try statement.step() {
            let runID = statement.int64(at: 4)
            guard runs[runID] != nil else { continue }
            let version = VersionToCopy(
                model: statement.string(at: 0), modelDescription: statement.optionalString(at: 1),
                modelCreatedAt: statement.double(at: 2), version: statement.int64(at: 3), runID: runID,
                runUID: statement.optionalString(at: 5) ?? "", runName: statement.string(at: 6), step: statement.int64(at: 7),
                weightsSHA256: statement.string(at: 8), columns: ColumnValue.row(statement, from: 9, count: columns.count))
            byModel[version.model, default: []].append(version)
        }
        for model in byModel.keys.sorted() {
            let versions = byModel[model]!.sorted { $0.version < $1.version }
            try destination.inTransaction {
                try copyModel(model, versions: versions, runs: runs, to: destination, report: &report)
            }
        }
    }

    /// Copies one model's versions of `versions` (see `copyModelVersions`); call inside a destination transaction.
    private func copyModel(
        _ model: String, versions: [VersionToCopy], runs: [Int64: Int64], to destination: Store, report: inout CopyReport
    ) throws {
        let target = destination.database
        let sourceModelID = try requireModelID(model)
        let modelID: Int64
        if let existing = try destination.modelID(named: model) {
            modelID = existing
        } else {
            let insert = try target.cachedStatement(
                sql: "INSERT INTO models (name, description, created_at, last_version) VALUES (?, ?, ?, 0) RETURNING id")
            try insert.bind(model, at: 1)
            try insert.bind(versions[0].modelDescription, at: 2)
            try insert.bind(versions[0].modelCreatedAt, at: 3)
            modelID = try destination.insertedID(insert)
        }
        let history = try destination.historyRows(model: model)
        let deleted = Set(history.filter { $0.action == ModelHistoryEntry.Action.versionDeleted.rawValue }.compactMap(\.version))

        // Version number → destination version id, for versions that are the same on both sides now.
        var matched: [Int64: Int64] = [:]
        let find = try target.cachedStatement(
            sql: """
                SELECT v.id, r.uid, r.name, v.step, v.weights_sha256 FROM model_versions v LEFT JOIN runs r ON r.id = v.run_id
                WHERE v.model_id = ? AND v.version = ?
                """)
        let columns = Self.copiedVersionColumns
        let insert = try target.cachedStatement(
            sql: "INSERT INTO model_versions (model_id, version, checkpoint_id, run_id, step, weights_sha256, "
                + "\(columns.joined(separator: ", "))) VALUES ("
                + Array(repeating: "?", count: columns.count + 6).joined(separator: ", ") + ") RETURNING id")
        let checkpoint = try target.cachedStatement(sql: "SELECT id, weights_sha256 FROM checkpoints WHERE run_id = ? AND step = ?")
        for version in versions {
            let conflict = { (detail: String) in
                CopyReport.Conflict(kind: .modelVersion, name: version.reference, uid: nil, detail: detail)
            }
            let theirs = "run \(version.runName) (uid \(version.runUID)) step \(version.step) weights \(version.weightsSHA256.prefix(16))…"
            try find.bind(modelID, at: 1)
            try find.bind(version.version, at: 2)
            if try find.step() {
                let (id, uid, name, step, sha256) = (find.int64(at: 0), find.optionalString(at: 1), find.optionalString(at: 2),
                                                     find.int64(at: 3), find.string(at: 4))
                find.reset()
                if uid == version.runUID, step == version.step, sha256 == version.weightsSHA256 {
                    matched[version.version] = id
                } else {
                    report.conflicts.append(conflict(
                        "at the destination it is run \(name ?? "?") (uid \(uid ?? "-")) step \(step) weights \(sha256.prefix(16))…, "
                            + "at the source \(theirs); not overwritten"))
                }
                continue
            }
            find.reset()
            if deleted.contains(version.version) {
                report.conflicts.append(conflict(
                    "the destination gave this number and deleted the version; a number is never given twice, so \(theirs) was not copied"))
                continue
            }
            guard let runID = runs[version.runID] else { continue }
            try checkpoint.bind(runID, at: 1)
            try checkpoint.bind(version.step, at: 2)
            guard try checkpoint.step(), checkpoint.string(at: 1) == version.weightsSHA256 else {
                checkpoint.reset()
                report.conflicts.append(conflict("the destination's copy of the run has no checkpoint at step \(version.step) with these weights"))
                continue
            }
            let checkpointID = checkpoint.int64(at: 0)
            checkpoint.reset()
            try insert.bind(modelID, at: 1)
            try insert.bind(version.version, at: 2)
            try insert.bind(checkpointID, at: 3)
            try insert.bind(runID, at: 4)
            try insert.bind(version.step, at: 5)
            try insert.bind(version.weightsSHA256, at: 6)
            for (index, value) in version.columns.enumerated() { try value.bind(to: insert, at: Int32(index + 7)) }
            matched[version.version] = try destination.insertedID(insert)
            report.modelVersionsCopied.append(version.reference)
        }
        guard !matched.isEmpty else { return }
        let raise = try target.cachedStatement(sql: "UPDATE models SET last_version = ? WHERE id = ? AND last_version < ?")
        let highest = matched.keys.max()!
        try raise.bind(highest, at: 1)
        try raise.bind(modelID, at: 2)
        try raise.bind(highest, at: 3)
        try raise.execute()

        for version in [0] + matched.keys.sorted() {
            try copyModelTags(
                model: model, sourceModelID: sourceModelID, modelID: modelID, version: version, to: destination, report: &report)
        }
        try copyAliases(
            model: model, sourceModelID: sourceModelID, modelID: modelID, matched: matched, to: destination, report: &report)
        // The history the destination lacks, in the source's order.
        var present = Set(history)
        let append = try target.cachedStatement(
            sql: """
                INSERT INTO model_history (model_name, action, version, alias, previous_version, detail, at, "user", host)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for row in try historyRows(model: model) where present.insert(row).inserted {
            try append.bind(model, at: 1)
            try append.bind(row.action, at: 2)
            try append.bind(row.version, at: 3)
            try append.bind(row.alias, at: 4)
            try append.bind(row.previousVersion, at: 5)
            try append.bind(row.detail, at: 6)
            try append.bind(row.at, at: 7)
            try append.bind(row.user, at: 8)
            try append.bind(row.host, at: 9)
            try append.execute()
        }
    }

    /// The model's history in this store, oldest first.
    func historyRows(model: String) throws -> [HistoryRow] {
        let statement = try database.cachedStatement(
            sql: """
                SELECT action, version, alias, previous_version, detail, at, "user", host FROM model_history
                WHERE model_name = ? ORDER BY id
                """)
        try statement.bind(model, at: 1)
        defer { statement.reset() }
        var rows: [HistoryRow] = []
        while try statement.step() {
            let s = statement
            rows.append(HistoryRow(
                action: s.string(at: 0), version: s.optionalInt64(at: 1), alias: s.optionalString(at: 2),
                previousVersion: s.optionalInt64(at: 3), detail: s.optionalString(at: 4), at: s.double(at: 5),
                user: s.string(at: 6), host: s.string(at: 7)))
        }
        return rows
    }

    /// Adds the source's tags of the model (version 0) or of one version that the destination
    /// lacks; a different value there is a conflict.
    private func copyModelTags(
        model: String, sourceModelID: Int64, modelID: Int64, version: Int64, to destination: Store, report: inout CopyReport
    ) throws {
        let theirs = try destination.modelTags(modelID: modelID, version: Int(version))
        let insert = try destination.database.cachedStatement(
            sql: "INSERT INTO model_tags (model_id, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (model_id, version, key) DO NOTHING")
        for (key, value) in try modelTags(modelID: sourceModelID, version: Int(version)).sorted(by: { $0.key < $1.key }) {
            if let existing = theirs[key] {
                if existing != value {
                    report.conflicts.append(CopyReport.Conflict(
                        kind: .modelTag, name: "\(version == 0 ? model : "\(model):v\(version)") tag \(key)", uid: nil,
                        detail: "is '\(existing)' at the destination and '\(value)' at the source; not overwritten"))
                }
                continue
            }
            try insert.bind(modelID, at: 1)
            try insert.bind(version, at: 2)
            try insert.bind(key, at: 3)
            try insert.bind(value, at: 4)
            try insert.execute()
        }
    }

    /// Adds the source's aliases of the model that point at versions now the same on both sides
    /// (`matched`: number → destination version id) and that the destination lacks; an alias the
    /// destination points elsewhere is a conflict.
    private func copyAliases(
        model: String, sourceModelID: Int64, modelID: Int64, matched: [Int64: Int64], to destination: Store,
        report: inout CopyReport
    ) throws {
        let source = try database.cachedStatement(
            sql: """
                SELECT a.alias, v.version, a.updated_at FROM model_aliases a JOIN model_versions v ON v.id = a.version_id
                WHERE a.model_id = ?
                """)
        try source.bind(sourceModelID, at: 1)
        var aliases: [(alias: String, version: Int64, updatedAt: Double)] = []
        while try source.step() { aliases.append((source.string(at: 0), source.int64(at: 1), source.double(at: 2))) }
        source.reset()
        let theirs = try destination.aliases(modelID: modelID)
        let insert = try destination.database.cachedStatement(
            sql: "INSERT INTO model_aliases (model_id, alias, version_id, updated_at) VALUES (?, ?, ?, ?)")
        for alias in aliases.sorted(by: { $0.alias < $1.alias }) {
            guard let versionID = matched[alias.version] else { continue }
            if let existing = theirs[alias.alias] {
                if Int64(existing) != alias.version {
                    report.conflicts.append(CopyReport.Conflict(
                        kind: .modelAlias, name: "\(model)@\(alias.alias)", uid: nil,
                        detail: "points at v\(existing) at the destination and v\(alias.version) at the source; not moved"))
                }
                continue
            }
            try insert.bind(modelID, at: 1)
            try insert.bind(alias.alias, at: 2)
            try insert.bind(versionID, at: 3)
            try insert.bind(alias.updatedAt, at: 4)
            try insert.execute()
            report.aliasesCopied.append("\(model)@\(alias.alias)")
        }
    }
}
