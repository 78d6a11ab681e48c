import ArgumentParser
import Store

struct GC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Purge deleted runs, optionally keep only each run's last K checkpoints, drop unused blobs, give the space back.",
        discussion: """
            Never removes a checkpoint that a model version uses, a run's latest checkpoint, or the checkpoint
            another run was forked from; evaluations stay (without their checkpoint). Ends with a VACUUM, so
            the file shrinks; --dry-run reports exactly what would go and changes nothing.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Keep only the last K checkpoints of every run (K ≥ 1).") var keepLast: Int?
    @Flag(help: "Report what would be removed; change nothing.") var dryRun = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let keepLast, keepLast < 1 { throw ValidationError("--keep-last must be at least 1 (got \(keepLast)).") }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let report: GarbageReport
        do {
            report = try store.collectGarbage(keepLast: keepLast, dryRun: dryRun)
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        if json { return try Terminal.printJSON(report) }
        let verb = dryRun ? "Would remove" : "Removed"
        print("\(verb) \(report.purgedRuns.count) deleted runs, \(report.metricPoints) metric points, \(report.checkpoints) checkpoints, "
            + "\(report.blobs) blobs (\(Formatting.bytes(report.blobBytes)))")
        if !dryRun {
            print("\(global.shownDB): \(Formatting.bytes(report.fileBytesBefore)) → \(Formatting.bytes(report.fileBytesAfter)), "
                + "\(Formatting.bytes(max(report.bytesFreed, 0))) freed (\(report.bytesFreed) bytes)")
        }
    }
}
