import ArgumentParser
import Foundation
import Store

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the output a tracked command printed (stdout and stderr, in the order nnreg read them).",
        discussion: "Example: nnreg logs brisk-otter-42 --follow")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run (id or name).") var reference: String
    @Flag(name: .shortAndLong, help: "Keep printing new output while the run is running.") var follow = false

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let run = try store.existingRun(reference)
        var next = 0
        while true {
            let chunk = try store.output(runID: run.id, fromSeq: next)
            if !chunk.bytes.isEmpty { FileHandle.standardOutput.write(Data(chunk.bytes)) }
            next = chunk.nextSeq
            guard follow, try isRunning(run.id, in: store) else { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        if next == 0, !follow, Terminal.isStandardErrorTTY {
            Terminal.diagnostic(run.command == nil
                ? "run \(run.name) was trained by nnreg itself; its record is 'nnreg show \(run.id)'"
                : "run \(run.name) has no output recorded")
        }
    }

    /// Still running, and not found dead: a crashed tracker's run stops being followed.
    private func isRunning(_ id: Int64, in store: Store) throws -> Bool {
        try store.run(id: id).status == .running && !store.crashedRunIDs().contains(id)
    }
}
