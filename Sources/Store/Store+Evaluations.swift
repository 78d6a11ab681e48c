import Foundation

extension Store {
    static let evaluationColumns = """
        e.id, e.checkpoint_id, c.run_id, c.step, e.dataset_name, e.dataset_sha256, e.split, e.accuracy,
        e.loss, e.per_class, e.confusion, e.created_at
        """

    static func readEvaluation(_ s: Statement) -> Evaluation {
        Evaluation(
            id: s.int64(at: 0), checkpointID: s.int64(at: 1), runID: s.int64(at: 2), step: s.int(at: 3),
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
            let find = try database.cachedStatement(sql: "SELECT id FROM checkpoints WHERE run_id = ? AND step = ?")
            try find.bind(evaluation.runID, at: 1)
            try find.bind(evaluation.step, at: 2)
            guard try find.step() else {
                find.reset()
                throw StoreError.checkpointNotFound(runID: evaluation.runID, step: evaluation.step)
            }
            let checkpointID = find.int64(at: 0)
            find.reset()
            let insert = try database.cachedStatement(
                sql: """
                    INSERT INTO evaluations (checkpoint_id, dataset_name, dataset_sha256, split, accuracy, loss,
                        per_class, confusion, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            try insert.bind(checkpointID, at: 1)
            try insert.bind(evaluation.datasetName, at: 2)
            try insert.bind(evaluation.datasetSHA256, at: 3)
            try insert.bind(evaluation.split, at: 4)
            try insert.bind(evaluation.accuracy, at: 5)
            try insert.bind(evaluation.loss, at: 6)
            try insert.bind(evaluation.perClassJSON, at: 7)
            try insert.bind(evaluation.confusionJSON, at: 8)
            try insert.bind(Date(), at: 9)
            try insert.execute()
            let id = database.lastInsertedRowID
            let select = try database.cachedStatement(
                sql: "SELECT \(Self.evaluationColumns) FROM evaluations e "
                    + "JOIN checkpoints c ON c.id = e.checkpoint_id WHERE e.id = ?")
            try select.bind(id, at: 1)
            defer { select.reset() }
            _ = try select.step()
            return Self.readEvaluation(select)
        }
    }

    /// A run's evaluations, oldest first.
    public func evaluations(runID: Int64) throws -> [Evaluation] {
        let statement = try database.cachedStatement(
            sql: "SELECT \(Self.evaluationColumns) FROM evaluations e "
                + "JOIN checkpoints c ON c.id = e.checkpoint_id WHERE c.run_id = ? ORDER BY e.created_at, e.id")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var evaluations: [Evaluation] = []
        while try statement.step() { evaluations.append(Self.readEvaluation(statement)) }
        return evaluations
    }
}
