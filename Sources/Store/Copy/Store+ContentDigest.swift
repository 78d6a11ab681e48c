extension Store {
    /// What the run holds, part by part (`RunContentDigest`), read in pages of `batchSize` points as
    /// the copy reads them, so comparing two long runs takes no more memory than copying one.
    func contentDigest(runID: Int64, batchSize: Int = 50_000) throws -> RunContentDigest {
        // The run's row without deleted_at, the parent named by uid instead of its id here.
        var run = ContentHasher()
        let columns = Self.copiedRunColumns.filter { $0 != "deleted_at" }
        let select = try database.cachedStatement(
            sql: "SELECT \(columns.map { "r.\($0)" }.joined(separator: ", ")), p.uid "
                + "FROM runs r LEFT JOIN runs p ON p.id = r.parent_run_id WHERE r.id = ?")
        try select.bind(runID, at: 1)
        guard try select.step() else {
            select.reset()
            throw StoreError.runNotFound(String(runID))
        }
        for value in ColumnValue.row(select, count: columns.count + 1) { run.add(value) }
        select.reset()

        var params = ContentHasher()
        for (key, value) in try self.params(runID: runID).sorted(by: { $0.key < $1.key }) {
            params.add(key)
            params.add(value)
        }
        var tags = ContentHasher()
        for (key, value) in try self.tags(runID: runID).sorted(by: { $0.key < $1.key }) {
            tags.add(key)
            tags.add(value)
        }

        var metrics = ContentHasher()
        var points = 0
        for (keyID, key) in try metricKeysWithIDs(runID: runID) {
            metrics.add(key)
            try forEachMetricPage(runID: runID, keyID: keyID, limit: batchSize) { page in
                for index in page.steps.indices {
                    metrics.add(page.steps[index])
                    // Any NaN as one (SQLite keeps none of a NaN's payload); a seq only where it is not 0.
                    metrics.add(page.values[index].isNaN ? Double.nan : page.values[index])
                    metrics.add(page.wallTimes[index])
                    if page.seqs[index] != 0 { metrics.add(page.seqs[index]) }
                }
                points += page.count
            }
        }
        metrics.add(points)

        var checkpoints = ContentHasher()
        var checkpointCount = 0
        try forEachCheckpointPage(runID: runID, limit: 1_000) { rows in
            for row in rows {
                checkpoints.add(row.step)
                checkpoints.add(row.createdAt)
                checkpoints.add(row.weightsSHA256)
                checkpoints.add(row.weightsSize)
                checkpoints.add(row.trainerStateSHA256)
                checkpoints.add(row.trainerStateSize)
            }
            checkpointCount += rows.count
        }

        var evaluations = ContentHasher()
        try forEachEvaluationPage(runID: runID, limit: min(batchSize, 10_000)) { rows in
            for row in rows {
                evaluations.add(row.checkpointID == nil ? 0 : 1)  // whether its checkpoint is still there
                for value in row.columns { evaluations.add(value) }
            }
        }

        var output = ContentHasher()
        var outputBytes = 0
        try forEachOutputChunk(runID: runID) { seq, rawSize, bytes in
            output.add(seq)
            output.add(rawSize)
            output.add(bytes: bytes)
            outputBytes += Int(rawSize)
        }

        var artifacts = ContentHasher()
        for artifact in try artifactRows(runID: runID) {
            artifacts.add(artifact.name)
            artifacts.add(artifact.sha256)
            artifacts.add(artifact.size)
            artifacts.add(artifact.createdAt)
        }

        return RunContentDigest(
            run: run.finalize(), params: params.finalize(), tags: tags.finalize(), metrics: metrics.finalize(),
            metricPoints: points, checkpoints: checkpoints.finalize(), checkpointCount: checkpointCount,
            evaluations: evaluations.finalize(), output: output.finalize(), outputBytes: outputBytes,
            artifacts: artifacts.finalize())
    }
}
