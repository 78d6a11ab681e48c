import Foundation
import Store
import Sweep

/// Runs a sweep's workers on this machine: one in this process, or K processes of `nnreg sweep
/// NAME --join` (each on one core when there are several), until every one has ended.
enum SweepWorkers {
    static func run(count: Int, sweep: SweepRecord, spec: SweepSpec, global: GlobalOptions, isQuiet: Bool) throws {
        guard count > 1 else {
            let store = try StoreOpening.open(global.db)
            try SweepWorker(store: store, db: global.db, sweep: sweep, spec: spec, dataPath: global.data, isQuiet: isQuiet).run()
            return
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var environment = ProcessInfo.processInfo.environment
        environment["NNREG_PARALLEL"] = "0"
        var processes: [Process] = []
        for _ in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["sweep", "start", sweep.name, "--join", "--db", global.db, "--data", global.data] + ["--shares-cores"] + (isQuiet ? ["--json"] : [])
            process.environment = environment
            do { try process.run() } catch {
                processes.forEach { $0.terminate() }
                throw CLIError("cannot start a sweep worker (\(executable)): \(error.localizedDescription)")
            }
            processes.append(process)
        }
        var isForwarded = false
        while processes.contains(where: \.isRunning) {
            if Interruption.isRequested, !isForwarded {
                isForwarded = true
                for process in processes where process.isRunning { kill(process.processIdentifier, Interruption.signal) }
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        if Interruption.isRequested {
            throw CLIError("sweep \(sweep.name) interrupted; its trials keep their checkpoints. Continue with: nnreg sweep resume \(sweep.name)", exitCode: 130)
        }
        let failed = processes.filter { $0.terminationStatus != 0 }
        if !failed.isEmpty {
            Terminal.diagnostic("\(failed.count) of \(count) workers ended with an error (exit \(failed.map { String($0.terminationStatus) }.joined(separator: ", "))); 'nnreg sweep resume \(sweep.name)' continues what they left")
        }
    }
}
