import Foundation

extension Store {
    static let evaluationColumns = """
        e.id, e.checkpoint_id, e.run_id, e.step, e.dataset_name, e.dataset_sha256, e.split, e.accuracy,
        e.loss, e.per_class, e.confusion, e.created_at
        """

    static func readEvaluation(_ s: Statement) -> Evaluation {
        Evaluation(
            id: s.int64(at: 0), checkpointID: s.optionalInt64(at: 1), runID: s.int64(at: 2), step: s.int(at: 3),
            datasetName: s.string(at: 4), datasetSHA256: s.string(at: 5), split: s.string(at: 6),
            accuracy: s.double(at: 7), loss: s.optionalDouble(at: 8), perClassJSON: s.string(at: 9),
            confusionJSON: s.string(at: 10), createdAt: s.date(at: 11))
    }

    /// Records an evaluation of the run's checkpoint at `evaluation.step`. Throws
    /// `StoreError.checkpointNotFound` if that checkpoint does not exist. The run's final test
    /// accuracy is an evaluation of its final checkpoint on split `test`.
    @discardableResult
    public func addEvaluation(_ evaluation: NewEvaluation) throws -> Evaluation {
        try inTransaction {
            let find = try database.cachedStatement(sql: "SELECT id, weights_sha256 FROM checkpoints WHERE run_id = ? AND step = ?")
            try find.bind(evaluation.runID, at: 1)
            try find.bind(evaluation.step, at: 2)
            guard try find.step() else {
                find.reset()
                throw StoreError.checkpointNotFound(runID: evaluation.runID, step: evaluation.step)
            }
            let checkpointID = find.int64(at: 0)
            let weightsSHA256 = find.string(at: 1)
            find.reset()
            let insert = try database.cachedStatement(
                sql: """
                    INSERT INTO evaluations (run_id, step, checkpoint_id, weights_sha256, dataset_name, dataset_sha256,
                        split, accuracy, loss, per_class, confusion, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """)
            try insert.bind(evaluation.runID, at: 1)
            try insert.bind(evaluation.step, at: 2)
            try insert.bind(checkpointID, at: 3)
            try insert.bind(weightsSHA256, at: 4)
            try insert.bind(evaluation.datasetName, at: 5)
            try insert.bind(evaluation.datasetSHA256, at: 6)
            try insert.bind(evaluation.split, at: 7)
            try insert.bind(evaluation.accuracy, at: 8)
            try insert.bind(evaluation.loss, at: 9)
            try insert.bind(evaluation.perClassJSON, at: 10)
            try insert.bind(evaluation.confusionJSON, at: 11)
            try insert.bind(Date(), at: 12)
            let id = try insertedID(insert)
            try updateTestAccuracy(runID: evaluation.runID)
            let select = try database.cachedStatement(
                sql: "SELECT \(Self.evaluationColumns) FROM evaluations e WHERE e.id = ?")
            try select.bind(id, at: 1)
            defer { select.reset() }
            _ = try select.step()
            return Self.readEvaluation(select)
        }
    }

    /// The test accuracy a run shows: the latest test-split evaluation of its latest checkpoint
    /// (an evaluation of an earlier checkpoint does not replace it); for a run with none (a program
    /// nnreg tracked printing `Test Accuracy: …`), the last value of its metric `test_accuracy`; or nil.
    public func testAccuracy(runID: Int64) throws -> Double? {
        let statement = try database.cachedStatement(sql: Self.testAccuracySQL)
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        if try statement.step() { return statement.double(at: 0) }
        return try latestTestAccuracyMetric(runID: runID)
    }

    /// The latest point of the run's metric `test_accuracy`, if it has one.
    func latestTestAccuracyMetric(runID: Int64) throws -> Double? {
        guard let keyID = try metricKeyID("test_accuracy", create: false) else { return nil }
        let statement = try database.cachedStatement(sql: "SELECT value FROM metric_latest WHERE run_id = ? AND key_id = ?")
        try statement.bind(runID, at: 1)
        try statement.bind(keyID, at: 2)
        defer { statement.reset() }
        return try statement.step() ? statement.double(at: 0) : nil
    }

    /// A run's evaluations, oldest first.
    public func evaluations(runID: Int64) throws -> [Evaluation] {
        let statement = try database.cachedStatement(
            sql: "SELECT \(Self.evaluationColumns) FROM evaluations e WHERE e.run_id = ? ORDER BY e.created_at, e.id")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var evaluations: [Evaluation] = []
        while try statement.step() { evaluations.append(Self.readEvaluation(statement)) }
        return evaluations
    }
}
