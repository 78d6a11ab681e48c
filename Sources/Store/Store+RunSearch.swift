import Foundation
import RunFilter

extension Store {
    /// The ids of the runs a `RunSearch` selects, in its order, from its offset, at most its limit:
    /// one statement on either backend. A run that lacks a field a condition names does not match
    /// (as in MLflow, whose search joins the field's table); runs lacking an order's field sort last.
    public func searchRuns(_ search: RunSearch) throws -> [Int64] {
        var arguments: [ColumnValue] = []
        var clauses: [String] = []
        switch search.lifecycle {
        case .active: clauses.append("r.deleted_at IS NULL")
        case .deleted: clauses.append("r.deleted_at IS NOT NULL")
        case .all: break
        }
        if !search.experimentIDs.isEmpty {
            clauses.append("r.experiment_id IN (\(search.experimentIDs.map { String($0) }.joined(separator: ", ")))")
        }
        for condition in search.conditions {
            if case .dataset = condition.field {
                // Holds when any one of the run's inputs meets it.
                clauses.append("EXISTS (SELECT 1 FROM run_inputs i WHERE i.run_id = r.id AND \(try conditionSQL(condition, &arguments)))")
                continue
            }
            clauses.append(try conditionSQL(condition, &arguments))
        }
        var orderTerms: [String] = []
        for order in search.order {
            let expression = fieldSQL(order.field, &arguments)
            orderTerms.append("(\(expression)) IS NULL")
            orderTerms.append("\(fieldSQL(order.field, &arguments)) \(order.isAscending ? "ASC" : "DESC")")
        }
        orderTerms += ["coalesce(r.started_at, r.created_at) DESC", "r.uid"]
        let sql = """
            SELECT r.id FROM runs r\(clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            ORDER BY \(orderTerms.joined(separator: ", ")) LIMIT \(max(0, search.limit)) OFFSET \(max(0, search.offset))
            """
        // The text follows the request's conditions: prepared each time, never cached.
        let statement = try database.makeStatement(sql: sql)
        for (index, argument) in arguments.enumerated() { try argument.bind(to: statement, at: Int32(index + 1)) }
        var ids: [Int64] = []
        while try statement.step() { ids.append(statement.int64(at: 0)) }
        return ids
    }

    /// The SQL of a field's value for run `r`, NULL when the run lacks it; binds what it names.
    private func fieldSQL(_ field: RunSearch.Field, _ arguments: inout [ColumnValue]) -> String {
        switch field {
        case .metric(let key):
            arguments.append(.text(key))
            return "(SELECT l.value FROM metric_latest l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = r.id AND k.key = ?)"
        case .param(let key):
            arguments.append(.text(key))
            // MLflow's params are text: PostgreSQL's typed text (a JSON string for text) is unwrapped,
            // SQLite's typed values are cast.
            let value = database.dialect == .postgresql
                ? "CASE WHEN p.value LIKE '\"%' THEN (p.value::json #>> '{}') ELSE p.value END" : "CAST(p.value AS TEXT)"
            return "(SELECT \(value) FROM params p WHERE p.run_id = r.id AND p.key = ?)"
        case .tag(let key):
            arguments.append(.text(key))
            return "(SELECT t.value FROM tags t WHERE t.run_id = r.id AND t.key = ?)"
        case .dataset(let key):
            // Inside searchRuns' EXISTS over the run's inputs `i`.
            switch key {
            case "name": return "i.name"
            case "digest": return "i.digest"
            default:
                return database.dialect == .postgresql
                    ? "(i.tags::json ->> 'mlflow.data.context')" : "json_extract(i.tags, '$.\"mlflow.data.context\"')"
            }
        case .attribute(let attribute):
            switch attribute {
            case .runID: return "r.uid"
            case .runName: return "r.name"
            case .status:
                // MLflow's names: a crashed run is FAILED, an interrupted one KILLED.
                return """
                    (CASE r.status WHEN 'running' THEN 'RUNNING' WHEN 'finished' THEN 'FINISHED' WHEN 'interrupted' THEN 'KILLED' \
                    ELSE 'FAILED' END)
                    """
            case .userID: return "coalesce(r.user_id, '')"
            case .artifactURI:
                return "((SELECT e.artifact_location FROM experiments e WHERE e.id = r.experiment_id) || '/' || r.uid || '/artifacts')"
            case .startTime: return "CAST(round(coalesce(r.started_at, r.created_at) * 1000) AS BIGINT)"
            case .endTime: return "CAST(round(r.ended_at * 1000) AS BIGINT)"
            case .lifecycleStage: return "(CASE WHEN r.deleted_at IS NULL THEN 'active' ELSE 'deleted' END)"
            }
        }
    }

    private func conditionSQL(_ condition: RunSearch.Condition, _ arguments: inout [ColumnValue]) throws -> String {
        let field = fieldSQL(condition.field, &arguments)
        let isPostgres = database.dialect == .postgresql
        switch (condition.comparison, condition.value) {
        case (.isNull, _): return "\(field) IS NULL"
        case (.isNotNull, _): return "\(field) IS NOT NULL"
        case (.isIn, .list(let items)), (.isNotIn, .list(let items)):
            guard !items.isEmpty else { return condition.comparison == .isIn ? "0 = 1" : "\(field) IS NOT NULL" }
            arguments += items.map { .text($0) }
            let placeholders = Array(repeating: "?", count: items.count).joined(separator: ", ")
            return "\(field) \(condition.comparison == .isIn ? "IN" : "NOT IN") (\(placeholders))"
        case (.like, .text(let pattern)):
            // SQLite's LIKE ignores ASCII case; MLflow's LIKE does not: GLOB with the same pattern.
            if isPostgres {
                arguments.append(.text(pattern))
                return "\(field) LIKE ?"
            }
            arguments.append(.text(Self.glob(fromLike: pattern)))
            return "\(field) GLOB ?"
        case (.ilike, .text(let pattern)):
            arguments.append(.text(isPostgres ? pattern : pattern))
            return isPostgres ? "\(field) ILIKE ?" : "lower(\(field)) LIKE lower(?)"
        case (let comparison, .number(let number)) where ![.like, .ilike, .isIn, .isNotIn].contains(comparison):
            arguments.append(.real(number))
            return "\(field) \(comparison.rawValue == "!=" ? "<>" : comparison.rawValue) ?"
        case (let comparison, .text(let text)) where ![.like, .ilike, .isIn, .isNotIn].contains(comparison):
            arguments.append(.text(text))
            return "\(field) \(comparison.rawValue == "!=" ? "<>" : comparison.rawValue) ?"
        default:
            throw StoreError.invalidSearch("\(condition.comparison.rawValue) cannot compare with \(condition.value)")
        }
    }

    /// A LIKE pattern (`%`, `_`) as the GLOB pattern that matches the same texts, case-sensitively.
    static func glob(fromLike pattern: String) -> String {
        var glob = ""
        for character in pattern {
            switch character {
            case "%": glob += "*"
            case "_": glob += "?"
            case "*", "?", "[", "]": glob += "[\(character)]"
            default: glob.append(character)
            }
        }
        return glob
    }
}
