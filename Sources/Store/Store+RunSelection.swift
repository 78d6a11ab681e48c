import RunFilter

/// A number of a run that SQL reads as a Swift `Double`: the summary's own counts and figures, or
/// a param that every run holding it holds as a number.
public enum RunNumber: Hashable, Sendable {
    case id, stepsDone, targetSteps, loss, accuracy, testAccuracy
    case param(String)
}

/// A filter on numbers of a run, for SQL: comparisons with finite numbers joined by `and`, `or`,
/// `not`. A run that lacks the number fails its comparison (so `not` of it holds), as in
/// `WhereExpression.matches`.
public indirect enum RunCondition: Equatable, Sendable {
    case compare(RunNumber, ComparisonOperator, Double)
    case and(RunCondition, RunCondition)
    case or(RunCondition, RunCondition)
    case not(RunCondition)

    var numbers: [RunNumber] {
        switch self {
        case .compare(let number, _, _): [number]
        case .and(let lhs, let rhs), .or(let lhs, let rhs): lhs.numbers + rhs.numbers
        case .not(let inner): inner.numbers
        }
    }
}

extension Store {
    /// The runs (soft-deleted ones left out) that meet `condition`, each with its number `sortKey`
    /// (nil when it lacks it), in no particular order: the filter runs in SQL and only ids and keys
    /// come back (SQLite sorts 5,000 rows slower than Swift does, so the caller sorts). Nil when SQL
    /// would not answer exactly as `RunQuery` does in Swift, and the caller filters the listed runs
    /// itself: a param named that some run holds as text (text compares by its spelling there) or
    /// that no listed run holds (an unknown field), a store on PostgreSQL (its params are typed text).
    /// `experimentID` keeps that experiment's runs; without it, runs of deleted experiments are left
    /// out, as `listRuns` leaves them out.
    public func selectRuns(
        where condition: RunCondition?, sortKey: RunNumber, experimentID: Int64? = nil
    ) throws -> (ids: [Int64], keys: [Double?])? {
        guard database.dialect == .sqlite else { return nil }
        var binds: [ColumnValue] = []
        func placeholder(_ value: ColumnValue) -> String {
            binds.append(value)
            return "?\(binds.count)"
        }
        for case .param(let key) in Set((condition?.numbers ?? []) + [sortKey]) {
            let held = try database.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM params p JOIN runs r ON r.id = p.run_id
                               WHERE p.key = ?1 AND r.deleted_at IS NULL AND \(Self.shownExperimentCondition)),
                       EXISTS (SELECT 1 FROM params WHERE key = ?1 AND value >= '')  -- text sorts after numbers
                """)
            try held.bind(key, at: 1)
            try held.bind(experimentID, at: 2)
            defer { held.reset() }
            guard try held.step(), held.int(at: 0) == 1, held.int(at: 1) == 0 else { return nil }
        }
        func sql(_ number: RunNumber) throws -> String {
            switch number {
            case .id: return "CAST(r.id AS REAL)"
            case .stepsDone: return "CAST(r.steps_done AS REAL)"
            case .targetSteps: return "CAST(r.target_steps AS REAL)"
            case .testAccuracy: return try shownTestAccuracySQL()
            case .loss, .accuracy:
                guard let keyID = try metricKeyID(number == .loss ? "loss" : "accuracy", create: false) else { return "NULL" }
                return "(SELECT value FROM metric_latest WHERE run_id = r.id AND key_id = \(keyID))"
            case .param(let key):
                return "(SELECT CAST(value AS REAL) FROM params WHERE run_id = r.id AND key = \(placeholder(.text(key))))"
            }
        }
        func sql(_ condition: RunCondition) throws -> String? {
            switch condition {
            case .compare(let number, let op, let value):
                guard value.isFinite else { return nil }  // SQLite keeps no NaN
                // A param's comparison is one pass over its key in params_by_key, not a seek per run.
                if case .param(let key) = number {
                    return "r.id IN (SELECT run_id FROM params WHERE key = \(placeholder(.text(key))) "
                        + "AND CAST(value AS REAL) \(op.rawValue) \(placeholder(.real(value))))"
                }
                return "coalesce(\(try sql(number)) \(op.rawValue) \(placeholder(.real(value))), 0)"
            case .and(let lhs, let rhs):
                guard let lhs = try sql(lhs), let rhs = try sql(rhs) else { return nil }
                return "(\(lhs) AND \(rhs))"
            case .or(let lhs, let rhs):
                guard let lhs = try sql(lhs), let rhs = try sql(rhs) else { return nil }
                return "(\(lhs) OR \(rhs))"
            case .not(let inner):
                return try sql(inner).map { "NOT \($0)" }
            }
        }
        var filter = "r.deleted_at IS NULL AND "
        if let experimentID {
            filter += "r.experiment_id = \(placeholder(.integer(experimentID)))"
        } else {
            filter += "r.experiment_id NOT IN (SELECT id FROM experiments WHERE lifecycle = 'deleted')"
        }
        if let condition {
            guard let text = try sql(condition) else { return nil }
            filter += " AND " + text
        }
        // Not cached: the text follows the filter a web request sends (about 0.1 ms to prepare).
        let statement = try database.makeStatement(sql: "SELECT r.id, \(try sql(sortKey)) FROM runs r WHERE \(filter)")
        for (index, value) in binds.enumerated() { try value.bind(to: statement, at: Int32(index + 1)) }
        var ids: [Int64] = [], keys: [Double?] = []
        while try statement.step() {
            ids.append(statement.int64(at: 0))
            keys.append(statement.optionalDouble(at: 1))
        }
        return (ids, keys)
    }

    /// `selectRuns`'s experiment filter with the experiment's id (or NULL for all shown) as ?2.
    static let shownExperimentCondition = """
        (r.experiment_id = ?2 OR (?2 IS NULL AND r.experiment_id NOT IN (SELECT id FROM experiments WHERE lifecycle = 'deleted')))
        """

    /// A run's test accuracy as `listRuns` shows it, for `SELECT … FROM runs r`: its latest test
    /// evaluation, else (a program nnreg tracked) its latest metric `test_accuracy`.
    func shownTestAccuracySQL() throws -> String {
        guard let testMetricID = try metricKeyID("test_accuracy", create: false) else { return "r.test_accuracy" }
        return "coalesce(r.test_accuracy, (SELECT value FROM metric_latest WHERE run_id = r.id AND key_id = \(testMetricID)))"
    }
}
