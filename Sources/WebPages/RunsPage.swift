import Foundation
import RunQuery
import Store

/// The table `nnreg list` prints, as a page: filtered with the `--where` language, sorted by any
/// column, paginated, with status badges, tags, and checkboxes to compare runs; one experiment's
/// runs or all (but those of deleted experiments), switched by the links above the table.
public struct RunsPage {
    /// What the browser asked for (query parameters `where`, `sort`, `dir`, `page`, `per`, `experiment`).
    public struct Request: Sendable, Equatable {
        public var filter: String
        public var sortField: String
        public var isDescending: Bool
        public var page: Int
        public var perPage: Int
        /// Only this experiment's runs; nil for every shown run.
        public var experimentID: Int64?

        public static let maxPerPage = 200
        public static let maxFilterLength = 2_000

        public init(
            filter: String = "", sortField: String = "id", isDescending: Bool = true, page: Int = 1, perPage: Int = 50,
            experimentID: Int64? = nil
        ) {
            self.experimentID = experimentID
            self.filter = String(filter.prefix(Self.maxFilterLength))
            self.sortField = sortField
            self.isDescending = isDescending
            self.page = max(1, min(page, 1_000_000))
            self.perPage = max(1, min(perPage, Self.maxPerPage))
        }
    }

    public let request: Request
    public let runs: [RunSummary]
    /// Runs matching the filter, before pagination.
    public let total: Int
    /// The filter's or sort's error (with its column), shown above the table; the table is then empty.
    public let errorMessage: String?
    public let now: Date
    /// What the switch offers: the active experiments (and the chosen one, if deleted) with the
    /// runs each shows, by id.
    public var experiments: [(experiment: Experiment, runs: Int)] = []

    /// Loads every run (soft-deleted ones excepted), applies the filter and sort, keeps one page.
    public static func load(_ store: Store, _ request: Request, now: Date = Date()) throws -> RunsPage {
        var page = try loadRuns(store, request, now: now)
        let counts = try store.shownRunCounts()
        page.experiments = try store.experiments(lifecycle: .all)
            .filter { $0.isActive || $0.id == request.experimentID }
            .map { ($0, counts[$0.id] ?? 0) }
        if let chosen = request.experimentID, !page.experiments.contains(where: { $0.experiment.id == chosen }) {
            return RunsPage(request: request, runs: [], total: 0, errorMessage: "No experiment \(chosen).", now: now,
                            experiments: page.experiments)
        }
        return page
    }

    /// The runs of one page (the experiment's, when one is chosen), filtered in SQL when it can be.
    private static func loadRuns(_ store: Store, _ request: Request, now: Date) throws -> RunsPage {
        let query: RunQuery
        do {
            query = try RunQuery(where: request.filter, sort: "\(request.sortField) \(request.isDescending ? "desc" : "asc")")
        } catch {
            return RunsPage(request: request, runs: [], total: 0, errorMessage: "Filter: \(error)", now: now)
        }
        let start = (request.page - 1) * request.perPage
        // The page's own rows in full, with their tags and latest figures; one deleted since is left out.
        func rows(_ ids: some Sequence<Int64>) throws -> [RunSummary] {
            try ids.compactMap { id in try store.listRuns(withParams: false, ids: id...id, experimentID: request.experimentID).first }
        }
        // Filter, sort and count in SQL when it answers exactly as the Swift filter below would.
        if let selected = try query.page(in: store, offset: start, limit: request.perPage, experimentID: request.experimentID) {
            return RunsPage(request: request, runs: try rows(selected.ids), total: selected.total, errorMessage: nil, now: now)
        }
        // Params, tags and latest loss and accuracy of every run only when the filter or sort names
        // one; the page's own rows are read in full below.
        let fields = query.fields.filter { !RunFields.builtIn.contains($0) }
        let paramKeys = fields.filter { !$0.hasPrefix("tag.") }.sorted()
        let namesLatest = query.fields.contains("loss") || query.fields.contains("accuracy")
        // Brief summaries when the filter and sort name no name, time or step count.
        let brief = !query.fields.contains { ["name", "created", "duration", "steps_done", "target_steps"].contains($0) }
        let summaries = try store.listRuns(
            withParams: !paramKeys.isEmpty, paramKeys: paramKeys, withTags: fields.contains { $0.hasPrefix("tag.") },
            withLatestMetrics: namesLatest, brief: brief, experimentID: request.experimentID)
        let matching: [Int]
        do {
            matching = try query.matchingIndices(in: summaries, now: now)
        } catch {
            return RunsPage(request: request, runs: [], total: 0, errorMessage: "\(error)", now: now)
        }
        let page = matching.dropFirst(start).prefix(request.perPage).map { summaries[$0].id }
        return RunsPage(request: request, runs: try rows(page), total: matching.count, errorMessage: nil, now: now)
    }

    var pageCount: Int { max(1, (total + request.perPage - 1) / request.perPage) }
    public var isLive: Bool { runs.contains { $0.status == .running } }

    func url(sort: String? = nil, descending: Bool? = nil, page: Int? = nil, experimentID: Int64?? = nil) -> String {
        var parts: [String] = []
        if let experimentID = experimentID ?? request.experimentID { parts.append("experiment=\(experimentID)") }
        if !request.filter.isEmpty { parts.append("where=" + HTML.urlComponent(request.filter)) }
        parts.append("sort=" + HTML.urlComponent(sort ?? request.sortField))
        parts.append("dir=" + ((descending ?? request.isDescending) ? "desc" : "asc"))
        if request.perPage != 50 { parts.append("per=\(request.perPage)") }
        parts.append("page=\(page ?? request.page)")
        return "/?" + parts.joined(separator: "&")
    }

    /// The experiment switch: all runs, then each experiment with the runs it shows, the chosen one
    /// marked; links that keep the filter and sort and go back to page 1. Left out while `Default` is
    /// the only experiment and none is chosen.
    func experimentSwitch() -> String {
        guard experiments.count > 1 || request.experimentID != nil else { return "" }
        var html = "<nav class=\"experiments\" aria-label=\"experiments\"><span class=\"meta\">experiment</span>"
        let all = experiments.reduce(0) { $0 + ($1.experiment.isActive ? $1.runs : 0) }
        func item(_ label: String, _ count: Int, _ id: Int64?) -> String {
            let current = id == request.experimentID ? " aria-current=\"page\"" : ""
            let href = HTML.escape(url(page: 1, experimentID: .some(id)))
            return "<a href=\"\(href)\"\(current)>\(HTML.escape(label)) <span class=\"meta\">\(count)</span></a>"
        }
        html += item("all", all, nil)
        for (experiment, runs) in experiments {
            html += item(experiment.isActive ? experiment.name : "\(experiment.name) (deleted)", runs, experiment.id)
        }
        return html + "</nav>"
    }

    public func html() -> String {
        var body = "<h1>Runs</h1>" + experimentSwitch()
        body += "<form class=\"filter\" method=\"get\" action=\"/\"><label for=\"where\">where</label>"
        body += "<input type=\"text\" id=\"where\" name=\"where\" value=\"\(HTML.escape(request.filter))\" placeholder=\"test_accuracy &gt; 0.93 and batch_size = 256\" maxlength=\"\(Request.maxFilterLength)\">"
        if let chosen = request.experimentID { body += "<input type=\"hidden\" name=\"experiment\" value=\"\(chosen)\">" }
        body += "<input type=\"hidden\" name=\"sort\" value=\"\(HTML.escape(request.sortField))\"><input type=\"hidden\" name=\"dir\" value=\"\(request.isDescending ? "desc" : "asc")\">"
        body += "<button type=\"submit\">Filter</button><span class=\"meta\">\(total) run\(total == 1 ? "" : "s")</span></form>"
        if let errorMessage { body += "<p class=\"error\" id=\"filter-error\">\(HTML.escape(errorMessage))</p>" }
        body += "<form method=\"get\" action=\"/compare\"><table id=\"runs\"><thead><tr><th></th>"
        let columns: [(String, String, Bool)] = [
            ("id", "ID", true), ("name", "NAME", false), ("status", "STATUS", false), ("steps_done", "STEPS", true),
            ("loss", "LOSS", true), ("accuracy", "ACC", true), ("test_accuracy", "TEST ACC", true),
            ("duration", "TIME", true), ("created", "CREATED", false),
        ]
        for (field, title, numeric) in columns {
            let active = field == request.sortField
            let arrow = active ? (request.isDescending ? " ▼" : " ▲") : ""
            let next = active ? !request.isDescending : true
            body += "<th\(numeric ? " class=\"num\"" : "")><a href=\"\(HTML.escape(url(sort: field, descending: next, page: 1)))\">\(title)\(arrow)</a></th>"
        }
        body += "<th>TAGS</th></tr></thead><tbody>"
        for run in runs {
            body += "<tr data-run=\"\(run.id)\"><td><input type=\"checkbox\" name=\"run\" value=\"\(run.id)\" aria-label=\"compare run \(run.id)\"></td>"
            body += "<td class=\"num\">\(run.id)</td><td>\(Page.link("/runs/\(run.id)", run.name))</td><td>\(Page.badge(run.status.rawValue))</td>"
            body += "<td class=\"num\">\(run.stepsDone)/\(run.targetSteps)</td><td class=\"num\">\(Format.loss(run.loss))</td>"
            body += "<td class=\"num\">\(Format.accuracy(run.accuracy))</td><td class=\"num\">\(Format.accuracy(run.testAccuracy))</td>"
            body += "<td class=\"num\">\(Format.seconds(RunFields.duration(of: run, now: now)))</td><td class=\"nowrap\">\(Format.time(run.createdAt))</td>"
            body += "<td>\(Page.tags(run.tags, limit: 4))</td></tr>"
        }
        body += "</tbody></table><button type=\"submit\">Compare selected (up to \(ComparePage.maxRuns))</button></form>"
        body += "<div class=\"pager\">"
        if request.page > 1 { body += "<a href=\"\(HTML.escape(url(page: request.page - 1)))\" rel=\"prev\">← previous</a>" }
        body += "<span class=\"meta\">page \(request.page) of \(pageCount)</span>"
        if request.page < pageCount { body += "<a href=\"\(HTML.escape(url(page: request.page + 1)))\" rel=\"next\">next →</a>" }
        body += "</div>"
        return Page.document(title: "Runs", mode: .served, isLive: isLive, body: body)
    }
}
