/// A search over runs in the shape MLflow's `runs/search` asks for, independent of any protocol: the
/// experiments to look in, conditions joined by AND, an order, and a page. `Store.searchRuns(_:)`
/// answers it in SQL on either backend.
public struct RunSearch: Sendable, Equatable {
    /// What a condition or an order names.
    public enum Field: Sendable, Equatable, Hashable {
        /// A metric's latest value (the point of the highest step).
        case metric(String)
        /// A param's value, compared as text (MLflow's params are strings).
        case param(String)
        /// A tag's value.
        case tag(String)
        /// A column of the run itself.
        case attribute(Attribute)
        /// A dataset input's `name`, `digest` or `context` (its `mlflow.data.context` tag): a condition
        /// holds when one of the run's inputs meets it.
        case dataset(String)
    }

    /// The run columns a search can name (MLflow's `attributes.` names).
    public enum Attribute: String, Sendable, Equatable, Hashable, CaseIterable {
        case runID = "run_id"
        case runName = "run_name"
        case status
        case userID = "user_id"
        case artifactURI = "artifact_uri"
        case startTime = "start_time"
        case endTime = "end_time"
        case lifecycleStage = "lifecycle_stage"

        /// Compared as numbers (times in ms since 1970); the rest as text.
        public var isNumeric: Bool { self == .startTime || self == .endTime }
    }

    /// How a field is compared with a value.
    public enum Comparison: String, Sendable, Equatable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        /// SQL LIKE, case-sensitive (`%` any run of characters, `_` one character).
        case like = "LIKE"
        /// LIKE ignoring case.
        case ilike = "ILIKE"
        case isIn = "IN"
        case isNotIn = "NOT IN"
        /// The field exists (a tag or param is set; a metric was logged).
        case isNotNull = "IS NOT NULL"
        /// The field does not exist.
        case isNull = "IS NULL"
    }

    /// What a field is compared with.
    public enum Value: Sendable, Equatable, Hashable {
        case number(Double)
        case text(String)
        case list([String])
        /// For IS NULL and IS NOT NULL.
        case none
    }

    /// One `field comparison value` term.
    public struct Condition: Sendable, Equatable, Hashable {
        public let field: Field
        public let comparison: Comparison
        public let value: Value

        public init(_ field: Field, _ comparison: Comparison, _ value: Value) {
            self.field = field
            self.comparison = comparison
            self.value = value
        }
    }

    /// One key of the order. Runs without the field sort after those with it, whichever the direction.
    public struct Order: Sendable, Equatable, Hashable {
        public let field: Field
        public let isAscending: Bool

        public init(_ field: Field, isAscending: Bool) {
            self.field = field
            self.isAscending = isAscending
        }
    }

    /// Which runs by their deleted state (MLflow's `run_view_type`).
    public enum Lifecycle: String, Sendable, Equatable {
        case active, deleted, all
    }

    /// The experiments to search; empty means all of them.
    public var experimentIDs: [Int64]
    /// Every condition must hold.
    public var conditions: [Condition]
    /// Keys of the order, first one first; the start time (newest first) and the uid break ties.
    public var order: [Order]
    public var lifecycle: Lifecycle
    /// Runs to skip, then at most `limit` runs.
    public var offset: Int
    public var limit: Int

    public init(
        experimentIDs: [Int64] = [], conditions: [Condition] = [], order: [Order] = [], lifecycle: Lifecycle = .active,
        offset: Int = 0, limit: Int = 1_000
    ) {
        self.experimentIDs = experimentIDs
        self.conditions = conditions
        self.order = order
        self.lifecycle = lifecycle
        self.offset = offset
        self.limit = limit
    }
}
