import Foundation

/// `nnreg copy`: runs, with everything they hold, from this store into another, matched by uid.
///
/// The SQL here is written for SQLite and PostgreSQL alike (`?` placeholders, `ON CONFLICT`,
/// `RETURNING`, no functions of one backend), and params and tags go through `params(runID:)`,
/// `setParams`, `tags(runID:)` and `addTags`, which each backend implements its own way.
extension Store {
    /// A source run as the plan sees it, before anything of it is read.
    struct CopyCandidate {
        let id: Int64
        let uid: String
        let name: String
        let status: String
        let parentID: Int64?
        let isDeleted: Bool
        let experimentID: Int64
    }

    /// The run columns copied as they are (the id is the destination's own; `parent_run_id` is mapped
    /// by uid; `test_accuracy` is recomputed from what is copied).
    static let copiedRunColumns = [
        "uid", "name", "status", "created_at", "started_at", "ended_at", "heartbeat_at", "pid", "host", "seed",
        "target_steps", "steps_done", "dataset_name", "dataset_sha256", "nnreg_version", "parent_step", "notes",
        "deleted_at", "command", "cwd", "git_commit", "git_dirty", "exit_code", "user_id",
    ]

    /// Copies runs into `destination`, matched by uid, and the model versions made from them.
    ///
    /// - `ids` nil: every run that has ended and is not soft-deleted. Named runs are copied even
    ///   when soft-deleted (they stay deleted there). A run still `running` is never copied (its
    ///   content is still changing, so a copy would differ from it at the next step): it is reported
    ///   as skipped.
    /// - Lineage: a run's parent is copied first, even when not named (and even when soft-deleted), so
    ///   `parent_run_id` names the parent's copy; a run whose parent cannot be copied (still running,
    ///   or in conflict by name) is skipped rather than copied without its link.
    /// - A run not at the destination is copied in one destination transaction: the run row with its
    ///   status, times and host, params, tags, metrics (read and written in batches of `batchSize`
    ///   points), checkpoints and their blobs (one blob in memory at a time, each re-hashed on arrival),
    ///   evaluations, output chunks and artifacts, with `metric_latest` and `test_accuracy` set from
    ///   them. A blob that does not match its SHA-256 rolls the run back: it is reported in `failures`
    ///   and the destination has nothing of it.
    /// - A run lands in the destination's experiment of the same name as its own, created there
    ///   (with the source's tags, and deleted if the source's is) when missing.
    /// - A run the destination holds with the same uid and content (`RunContentDigest`) is "already
    ///   present"; with other content it is a conflict, left as it is there. Names need not be
    ///   unique: a run whose name another run has at the destination is copied all the same.
    /// - Model versions of runs now at the destination follow (`copyModelVersions`), and sweeps all
    ///   of whose trials' runs are there (`copySweeps`).
    ///
    /// Throws `runNotFound` for an unknown id before anything is written, and any error of the
    /// destination itself (busy, disk full), after which the runs already copied stay, whole.
    @discardableResult
    public func copyRuns(
        ids: [Int64]? = nil, to destination: Store, batchSize: Int = 50_000,
        progress: (_ done: Int, _ total: Int, _ run: String) -> Void = { _, _, _ in }
    ) throws -> CopyReport {
        precondition(batchSize > 0, "batchSize must be positive, got \(batchSize)")
        let start = Date()
        let candidates = try copyCandidates()
        if let ids, let missing = ids.first(where: { candidates[$0] == nil }) {
            throw StoreError.runNotFound(String(missing))
        }
        var report = CopyReport()
        let plan = Self.copyPlan(ids: ids, candidates: candidates, report: &report)
        // Source run id → its id at the destination (copied, already there, or there with other content).
        var destinationIDs: [Int64: Int64] = [:]
        // Source run id → destination run id, for runs whose content is now the same on both sides.
        var synced: [Int64: Int64] = [:]
        // Source experiment id → the destination's experiment of that name.
        var experimentIDs: [Int64: Int64] = [:]
        for (index, candidate) in plan.enumerated() {
            progress(index, plan.count, candidate.name)
            let note = { (reason: String) in
                CopyReport.Note(name: candidate.name, uid: candidate.uid, sourceID: candidate.id, reason: reason)
            }
            if candidate.status == RunStatus.running.rawValue {
                report.skipped.append(note("still running; copy it once it has ended"))
                continue
            }
            if candidate.uid.isEmpty {
                report.skipped.append(note("has no uid; open the source with this nnreg once to give it one"))
                continue
            }
            var parentDestinationID: Int64?
            if let parentID = candidate.parentID, let parent = candidates[parentID] {
                guard let id = destinationIDs[parentID] else {
                    report.skipped.append(note("its parent run \(parent.id) \(parent.name) was not copied, so neither was it"))
                    continue
                }
                parentDestinationID = id
            }
            if let existing = try destination.runID(uid: candidate.uid) {
                destinationIDs[candidate.id] = existing
                let differences = try contentDigest(runID: candidate.id, batchSize: batchSize)
                    .differences(from: try destination.contentDigest(runID: existing, batchSize: batchSize))
                if differences.isEmpty {
                    synced[candidate.id] = existing
                    report.alreadyPresent.append(CopyReport.RunEntry(
                        name: candidate.name, uid: candidate.uid, sourceID: candidate.id, destinationID: existing,
                        metricPoints: 0, checkpoints: 0, blobBytes: 0))
                } else {
                    report.conflicts.append(CopyReport.Conflict(
                        kind: .runDiffers, name: candidate.name, uid: candidate.uid,
                        detail: "the destination's run \(existing) differs in \(differences.joined(separator: ", ")); not overwritten"))
                }
                continue
            }
            do {
                let entry = try copyRun(
                    candidate, parentDestinationID: parentDestinationID, to: destination, batchSize: batchSize,
                    experimentIDs: &experimentIDs)
                destinationIDs[candidate.id] = entry.destinationID
                synced[candidate.id] = entry.destinationID
                report.copied.append(entry)
                report.metricPoints += entry.metricPoints
                report.checkpoints += entry.checkpoints
                report.blobBytes += entry.blobBytes
            } catch let error as StoreError {
                guard case .corruptSourceBlob = error else { throw error }
                report.failures.append(note(error.description))
            }
        }
        progress(plan.count, plan.count, "")
        try copyModelVersions(ofRuns: synced, to: destination, report: &report)
        try copySweeps(ofRuns: synced, to: destination, report: &report)
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// Every run of this store, light fields only, by id.
    func copyCandidates() throws -> [Int64: CopyCandidate] {
        let statement = try database.makeStatement(
            sql: "SELECT id, uid, name, status, parent_run_id, deleted_at, experiment_id FROM runs ORDER BY id")
        var candidates: [Int64: CopyCandidate] = [:]
        while try statement.step() {
            let id = statement.int64(at: 0)
            candidates[id] = CopyCandidate(
                id: id, uid: statement.optionalString(at: 1) ?? "", name: statement.string(at: 2),
                status: statement.string(at: 3), parentID: statement.optionalInt64(at: 4), isDeleted: !statement.isNull(at: 5),
                experimentID: statement.int64(at: 6))
        }
        return candidates
    }

    /// The runs to look at, each after its parent: the named ones (or every run not soft-deleted),
    /// each preceded by its ancestors. Counts the deleted runs left out.
    static func copyPlan(ids: [Int64]?, candidates: [Int64: CopyCandidate], report: inout CopyReport) -> [CopyCandidate] {
        let chosen: [Int64]
        if let ids {
            chosen = ids
        } else {
            let all = candidates.keys.sorted()
            chosen = all.filter { !candidates[$0]!.isDeleted }
            report.deletedLeftOut = all.count - chosen.count
        }
        var plan: [CopyCandidate] = []
        var planned: Set<Int64> = []
        for id in chosen where !planned.contains(id) {
            // Walk up to the first ancestor already planned (or the root), then plan downwards. A
            // cycle, which only a hand-edited store could hold, ends the walk.
            var chain: [Int64] = []
            var seen: Set<Int64> = []
            var next: Int64? = id
            while let current = next, !planned.contains(current), candidates[current] != nil, seen.insert(current).inserted {
                chain.append(current)
                next = candidates[current]!.parentID
            }
            for member in chain.reversed() {
                planned.insert(member)
                plan.append(candidates[member]!)
            }
        }
        return plan
    }

    /// Copies one run whose uid the destination does not have, in one destination transaction (with
    /// the experiment it joins there, when that is created for it).
    func copyRun(
        _ candidate: CopyCandidate, parentDestinationID: Int64?, to destination: Store, batchSize: Int,
        experimentIDs: inout [Int64: Int64]
    ) throws -> CopyReport.RunEntry {
        // What the transaction learns of experiments counts only once it commits.
        var known = experimentIDs
        let entry = try destination.inTransaction {
            let experimentID = try destinationExperimentID(of: candidate.experimentID, at: destination, known: &known)
            let columns = Self.copiedRunColumns
            let select = try database.cachedStatement(
                sql: "SELECT \(columns.joined(separator: ", ")) FROM runs WHERE id = ?")
            try select.bind(candidate.id, at: 1)
            guard try select.step() else {
                select.reset()
                throw StoreError.runNotFound(String(candidate.id))
            }
            let row = ColumnValue.row(select, count: columns.count)
            select.reset()
            let insert = try destination.database.cachedStatement(
                sql: "INSERT INTO runs (\(columns.joined(separator: ", ")), parent_run_id, experiment_id) VALUES ("
                    + Array(repeating: "?", count: columns.count + 2).joined(separator: ", ") + ") RETURNING id")
            for (index, value) in row.enumerated() { try value.bind(to: insert, at: Int32(index + 1)) }
            try insert.bind(parentDestinationID, at: Int32(columns.count + 1))
            try insert.bind(experimentID, at: Int32(columns.count + 2))
            let runID = try destination.insertedID(insert)

            try destination.setParams(params(runID: candidate.id), runID: runID)
            try destination.addTags(tags(runID: candidate.id), runID: runID)
            let points = try copyMetrics(of: candidate.id, into: runID, at: destination, batchSize: batchSize)
            var blobBytes = 0
            let checkpointIDs = try copyCheckpoints(of: candidate, into: runID, at: destination, blobBytes: &blobBytes)
            try copyEvaluations(of: candidate.id, into: runID, at: destination, checkpointIDs: checkpointIDs, batchSize: batchSize)
            try copyOutput(of: candidate.id, into: runID, at: destination)
            try copyArtifacts(of: candidate, into: runID, at: destination, blobBytes: &blobBytes)
            try destination.updateTestAccuracy(runID: runID)
            return CopyReport.RunEntry(
                name: candidate.name, uid: candidate.uid, sourceID: candidate.id, destinationID: runID,
                metricPoints: points, checkpoints: checkpointIDs.count, blobBytes: blobBytes)
        }
        experimentIDs = known
        return entry
    }

    /// The id at `destination` of the experiment named as this store's experiment `sourceID`: found
    /// by name, or created with its tags (and its artifact location unless that is the default of
    /// its id here), deleted when it is deleted here.
    func destinationExperimentID(of sourceID: Int64, at destination: Store, known: inout [Int64: Int64]) throws -> Int64 {
        if let id = known[sourceID] { return id }
        let source = try experiment(id: sourceID)
        let id: Int64
        if let there = try destination.experiment(named: source.name) {
            id = there.id
        } else {
            let location = source.artifactLocation == "mlflow-artifacts:/\(source.id)" ? nil : source.artifactLocation
            id = try destination.createExperiment(name: source.name, artifactLocation: location, tags: source.tags).id
            if !source.isActive { try destination.deleteExperiment(id: id) }
        }
        known[sourceID] = id
        return id
    }
}
