import ArgumentParser
import Foundation
import Store

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify the whole store: SQLite integrity, every checkpoint's SHA-256, orphaned and dangling rows.",
        discussion: "Prints each problem and exits 1 if there is any; exits 0 on a healthy store.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let report: StoreCheckReport
        do {
            report = try StoreOpening.openForReading(global.db).check()
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("cannot read \(global.shownDB): \(error)")
        }
        if json {
            try Terminal.printJSON(report)
        } else {
            for problem in report.problems { print(problem) }
            let verdict = report.isHealthy ? "ok" : "\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")"
            print("\(global.shownDB): \(verdict) — \(report.runs) runs, \(report.metricPoints) metric points, "
                + "\(report.checkpoints) checkpoints (\(Formatting.bytes(report.blobBytes))) verified")
        }
        if !report.isHealthy { throw CLIError("\(global.shownDB) has \(report.problems.count) problem(s); see above", isQuiet: !json) }
    }
}
