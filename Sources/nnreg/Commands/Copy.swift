import ArgumentParser
import Foundation
import Store

struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy runs, with everything they hold and the model versions made from them, from one store into another.",
        discussion: """
            Runs are matched by uid, so copying twice copies nothing new. A run is copied whole in one transaction
            of DST (params, tags, metrics, checkpoints, evaluations, output, artifacts), every blob re-hashed on
            arrival; a blob that does not match its SHA-256 leaves DST without that run. A run DST holds with the
            same uid and other content, or a different run with the same name, is reported and left as it is there.
            Without RUN, every run of SRC that has ended and is not deleted is copied; a run still running never is;
            a run's parent is copied before it, even when not named. Model versions, aliases, tags and history of
            copied runs follow, and sweeps whose every trial's run is in DST. Exits 1 after copying everything else
            when anything clashed or failed.
            """)

    @Argument(help: ArgumentHelp("The store to copy from (it must exist).", valueName: "src")) var source: String
    @Argument(help: ArgumentHelp("The store to copy into (created when absent).", valueName: "dst")) var destination: String
    @Argument(help: ArgumentHelp("Runs of SRC by id or name (default: every run that has ended, deleted ones left out).", valueName: "run"))
    var runs: [String] = []
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if Self.canonicalPath(source) == Self.canonicalPath(destination) {
            throw ValidationError("SRC and DST are the same store (\(source)); name another store to copy into.")
        }
    }

    /// A file path with symbolic links and `..` resolved (a URL is taken as it is), to tell two names of one store.
    static func canonicalPath(_ location: String) -> String {
        if location.contains("://") { return location }
        return URL(fileURLWithPath: location).standardizedFileURL.resolvingSymlinksInPath().path
    }

    func run() throws {
        if !source.contains("://"), !FileManager.default.fileExists(atPath: source) {
            throw CLIError("no store at '\(source)' to copy from; SRC must be an existing store")
        }
        let from = try StoreOpening.openForReading(source)
        // Every named run must exist before DST is opened, so a typo creates and writes nothing.
        let ids = runs.isEmpty ? nil : try runs.map { try from.existingRun($0).id }
        let into = try StoreOpening.open(destination)
        let report: CopyReport
        do {
            report = try from.copyRuns(ids: ids, to: into) { done, total, name in
                if done < total { Terminal.progress("Copying run \(done + 1)/\(total) \(name)…") }
            }
            Terminal.endProgress()
        } catch let error as StoreError {
            Terminal.endProgress()
            throw CLIError(error.description)
        }
        if json {
            try Terminal.printJSON(report)
        } else {
            print(Self.summary(report, destination: destination))
        }
        if !report.isComplete {
            let parts = [(report.conflicts.count, "conflict"), (report.failures.count, "failed run")]
                .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)\($0.0 == 1 ? "" : "s")" }
            throw CLIError("\(parts.joined(separator: " and ")) (listed \(json ? "in the JSON" : "above")); "
                + "everything else was copied and nothing at \(destination) was overwritten")
        }
    }

    /// One line per run and registry entry, then the totals.
    static func summary(_ report: CopyReport, destination: String) -> String {
        var lines: [String] = []
        for run in report.copied {
            lines.append("Copied run \(run.sourceID) \(run.name) → run \(run.destinationID): \(run.metricPoints) points, "
                + "\(run.checkpoints) checkpoints, \(Formatting.bytes(run.blobBytes)) of blobs")
        }
        for run in report.alreadyPresent {
            lines.append("Already there: run \(run.sourceID) \(run.name) (run \(run.destinationID) in \(destination))")
        }
        for version in report.modelVersionsCopied { lines.append("Copied model version \(version)") }
        for alias in report.aliasesCopied { lines.append("Copied alias \(alias)") }
        for sweep in report.sweepsCopied { lines.append("Copied sweep \(sweep)") }
        for sweep in report.sweepsLeftOut { lines.append("Left out sweep \(sweep)") }
        for note in report.skipped { lines.append("Skipped \(note)") }
        for conflict in report.conflicts { lines.append("Conflict: \(conflict)") }
        for failure in report.failures { lines.append("Failed: \(failure.reason)") }
        var counts = ["\(report.copied.count) run\(report.copied.count == 1 ? "" : "s") copied", "\(report.alreadyPresent.count) already there"]
        if !report.conflicts.isEmpty { counts.append("\(report.conflicts.count) conflict\(report.conflicts.count == 1 ? "" : "s")") }
        if !report.skipped.isEmpty { counts.append("\(report.skipped.count) skipped") }
        if !report.failures.isEmpty { counts.append("\(report.failures.count) failed") }
        var total = counts.joined(separator: ", ") + ": \(report.metricPoints) points, \(report.checkpoints) checkpoints, "
            + "\(Formatting.bytes(report.blobBytes)) of blobs in \(Formatting.seconds(report.seconds))"
        if report.deletedLeftOut > 0 {
            total += " (\(report.deletedLeftOut) deleted run\(report.deletedLeftOut == 1 ? "" : "s") left out; name them to copy them)"
        }
        lines.append(total)
        return lines.joined(separator: "\n")
    }
}
