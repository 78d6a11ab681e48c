import ArgumentParser
import Foundation
import RunFilter
import Store

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List runs with their status, progress and results.",
        discussion: """
            --where takes comparisons (=, !=, <, <=, >, >=) on run fields and params joined by and/or/not, e.g.
              nnreg list --where "test_accuracy > 0.93 and batch_size = 256"
            Fields: id, name, status, steps_done, target_steps, loss, accuracy, test_accuracy, duration, created,
            every param (steps, batch_size, learning_rate, seed, …) and tags as tag.KEY.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only runs with this status (running, finished, failed, interrupted, crashed).")
    var status: String?
    @Option(name: .customLong("tag"), help: ArgumentHelp("Only runs with tag KEY=VALUE (repeatable).", valueName: "key=value"))
    var tags: [String] = []
    @Option(name: .customLong("where"), help: "A filter on fields and params, e.g. \"test_accuracy > 0.93\".")
    var filter: String?
    @Option(help: "Sort by a field, then optionally asc or desc: \"test_accuracy desc\" (default: newest first).")
    var sort = "id desc"
    @Option(help: "Show at most N runs.") var limit: Int?
    @Flag(help: "Include soft-deleted runs ('nnreg delete'); 'nnreg restore' brings one back.") var deleted = false
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV.") var csv = false

    func validate() throws {
        if let status, RunStatus(rawValue: status) == nil {
            throw ValidationError("--status must be one of: \(RunStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
        if json && csv { throw ValidationError("Choose one of --json and --csv.") }
        for tag in tags where !tag.contains("=") { throw ValidationError("--tag '\(tag)' must look like KEY=VALUE.") }
        if let filter {
            do { _ = try WhereParser.parse(filter) } catch { throw ValidationError("\(error)") }
        }
        let sortParts = sort.split(whereSeparator: { $0 == " " || $0 == ":" })
        guard (1...2).contains(sortParts.count), sortParts.count == 1 || ["asc", "desc"].contains(sortParts[1].lowercased()) else {
            throw ValidationError("--sort takes a field, then optionally asc or desc, e.g. \"test_accuracy desc\".")
        }
    }

    func run() throws {
        let store = try StoreOpening.open(global.db)
        let now = Date()
        // listRuns marks dead runs crashed and returns newest first, the default order.
        var summaries = try store.listRuns(status: status.flatMap(RunStatus.init(rawValue:)), includeDeleted: deleted)
        for tag in tags {
            let parts = tag.split(separator: "=", maxSplits: 1).map(String.init)
            summaries = summaries.filter { $0.tags[parts[0]] == (parts.count > 1 ? parts[1] : "") }
        }
        let expression = try filter.map(WhereParser.parse)
        let (sortField, isDescending) = Self.parseSort(sort)
        if expression != nil || sortField != "id" || !isDescending {
            summaries = try Self.filterAndSort(summaries, expression: expression, field: sortField, isDescending: isDescending, now: now)
        }
        if let limit { summaries = Array(summaries.prefix(limit)) }
        if json {
            try Terminal.printJSON(summaries.map { RunListing($0, now: now) })
        } else if csv {
            print(Self.table(summaries, now: now).csv())
        } else if summaries.isEmpty {
            print("No runs in \(global.db)\(filter != nil || status != nil || !tags.isEmpty ? " match" : ""). Start one with: nnreg train")
        } else {
            print(Self.table(summaries, now: now).rendered())
        }
    }

    static func filterAndSort(
        _ summaries: [RunSummary], expression: WhereExpression?, field: String, isDescending: Bool, now: Date
    ) throws -> [RunSummary] {
        var runs = summaries.map { (summary: $0, row: RunFields.row($0, now: now)) }
        try RunFields.checkKnown((expression?.fields ?? []) + [field], option: "--where/--sort", in: runs.map(\.row))
        if let expression { runs = runs.filter { expression.matches($0.row) } }
        runs.sort { lhs, rhs in
            // Runs without the field go last either way; ties newest first.
            switch (lhs.row[field], rhs.row[field]) {
            case (nil, nil): return lhs.summary.id > rhs.summary.id
            case (nil, _): return false
            case (_, nil): return true
            case (let a?, let b?): return a == b ? lhs.summary.id > rhs.summary.id : (isDescending ? a > b : a < b)
            }
        }
        return runs.map(\.summary)
    }

    /// `FIELD`, `FIELD asc|desc`, `FIELD:desc` or `-FIELD` (descending).
    static func parseSort(_ text: String) -> (field: String, isDescending: Bool) {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == ":" }).map(String.init)
        guard let first = parts.first else { return ("id", true) }
        if first.hasPrefix("-") { return (String(first.dropFirst()), true) }
        return (first, parts.count > 1 && parts[1].lowercased() == "desc")
    }

    static func table(_ runs: [RunSummary], now: Date) -> Table {
        var table = Table([
            ("ID", .right), ("NAME", .left), ("STATUS", .left), ("STEPS", .right), ("LOSS", .right),
            ("ACC", .right), ("TEST ACC", .right), ("TIME", .right), ("CREATED", .left),
        ])
        for run in runs {
            table.append([
                String(run.id), run.name, run.status.rawValue, "\(run.stepsDone)/\(run.targetSteps)",
                Formatting.loss(run.loss), Formatting.accuracy(run.accuracy), Formatting.accuracy(run.testAccuracy),
                Formatting.seconds(RunFields.duration(of: run, now: now)), Formatting.time(run.createdAt),
            ])
        }
        return table
    }
}

/// One run in `list --json`.
struct RunListing: Encodable {
    let runID: Int64
    let name: String
    let status: String
    let stepsDone: Int
    let targetSteps: Int
    let loss: Double?
    let accuracy: Double?
    let testAccuracy: Double?
    let durationSeconds: Double?
    let created: Date
    let params: [String: ParamValue]
    let tags: [String: String]

    init(_ run: RunSummary, now: Date) {
        runID = run.id
        name = run.name
        status = run.status.rawValue
        stepsDone = run.stepsDone
        targetSteps = run.targetSteps
        loss = run.loss
        accuracy = run.accuracy
        testAccuracy = run.testAccuracy
        durationSeconds = RunFields.duration(of: run, now: now)
        created = run.createdAt
        params = run.params
        tags = run.tags
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", name, status, stepsDone = "steps_done", targetSteps = "target_steps", loss, accuracy
        case testAccuracy = "test_accuracy", durationSeconds = "duration_s", created, params, tags
    }
}
