import Foundation
import HTTPTypes
import MLflowWire
import RunFilter
import Store

/// MLflow's `runs/search`: its filter grammar and order_by (`SearchFilter`), answered in SQL by
/// `Store.searchRuns`, paged by offset tokens.
extension MLflowService {
    /// MLflow's default and largest page of runs.
    static let defaultRunPage = 1_000, maxRunPage = 50_000

    static func addSearchEndpoints(_ add: (String, [HTTPRequest.Method], Bool, @escaping @Sendable (MLflowRequest, Store) throws -> JSONWriter) -> Void) {
        add("runs/search", [.post, .get], false) { call, store in
            var search = RunSearch()
            search.experimentIDs = try call.strings("experiment_ids").map(Self.experimentID)
            do {
                search.conditions = try SearchFilter.parse(try call.optionalString("filter") ?? "")
                search.order = try SearchFilter.parseOrder(try call.strings("order_by"))
            } catch {
                throw MLflowError.invalid("\(error)")
            }
            search.lifecycle = try Self.lifecycle(try call.optionalString("run_view_type"))
            let limit = Int(try call.optionalInt64("max_results") ?? Int64(Self.defaultRunPage))
            guard (1...Self.maxRunPage).contains(limit) else {
                throw MLflowError.invalid("Invalid value \(limit) for parameter 'max_results': it must be between 1 and \(Self.maxRunPage).")
            }
            search.offset = try call.optionalString("page_token").map(Self.offset) ?? 0
            search.limit = limit + 1  // one more tells whether there is a next page
            let ids = try store.searchRuns(search)
            var writer = JSONWriter(capacity: 1_024 * min(ids.count, limit) + 64)
            writer.openObject()
            writer.key("runs")
            writer.openArray()
            for id in ids.prefix(limit) { try Self.writeRun(&writer, try store.run(id: id), store: store) }
            writer.closeArray()
            if ids.count > limit { writer.field("next_page_token", Self.token(offset: search.offset + limit)) }
            writer.closeObject()
            return writer
        }
    }
}
