import ArgumentParser
import Foundation
import RunFilter
import RunQuery
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
    @Option(help: "Only runs of this experiment (its name or id; see 'nnreg experiment list').") var experiment: String?
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
        let experimentID = try experiment.map { try ExperimentCommand.existing($0, in: store).id }
        // listRuns marks dead runs crashed and returns newest first, the default order.
        var summaries = try store.listRuns(status: status.flatMap(RunStatus.init(rawValue:)), includeDeleted: deleted, experimentID: experimentID)
        for tag in tags {
            let parts = tag.split(separator: "=", maxSplits: 1).map(String.init)
            summaries = summaries.filter { $0.tags[parts[0]] == (parts.count > 1 ? parts[1] : "") }
        }
        let query = try RunQuery(where: filter, sort: sort)
        do {
            summaries = try query.apply(to: summaries, now: now)
        } catch let error as RunQuery.UnknownField {
            throw CLIError("\(error) (in --where/--sort)")
        }
        if let limit { summaries = Array(summaries.prefix(limit)) }
        if json {
            try Terminal.printJSON(summaries.map { RunListing($0, now: now) })
        } else if csv {
            print(Self.table(summaries, now: now).csv())
        } else if summaries.isEmpty {
            print("No runs in \(global.shownDB)\(filter != nil || status != nil || !tags.isEmpty ? " match" : experiment.map { " experiment \($0)" } ?? ""). Start one with: nnreg train")
        } else {
            print(Self.table(summaries, now: now).rendered())
        }
    }

    static func table(_ runs: [RunSummary], now: Date) -> Table {
        var table = Table([
            ("ID", .right), ("NAME", .left), ("STATUS", .left), ("STEPS", .right), ("LOSS", .right),
            ("ACC", .right), ("TEST ACC", .right), ("TIME", .right), ("CREATED", .left),
        ])
        for run in runs {
            table.append([
                String(run.id), run.name, run.status.rawValue, Formatting.steps(run.stepsDone, of: run.targetSteps),
                Formatting.loss(run.loss), Formatting.accuracy(run.accuracy), Formatting.accuracy(run.testAccuracy),
                Formatting.seconds(RunFields.duration(of: run, now: now)), Formatting.time(run.createdAt),
            ])
        }
        return table
    }
}
