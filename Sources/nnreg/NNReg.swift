import ArgumentParser
import Foundation
import Store

/// The `nnreg` command: trains the seed network and keeps a complete record of every run in one SQLite file.
@main
struct NNReg: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "nnreg",
        abstract: "Train a neural network and keep a complete, trustworthy record of every run.",
        version: version,
        subcommands: commands.map(\.type))

    /// The subcommands by the name they are typed as (a test checks each name against argument-parser's).
    static let commands: [(name: String, type: ParsableCommand.Type)] = [
        ("train", Train.self), ("list", List.self), ("show", Show.self), ("compare", Compare.self), ("resume", Resume.self),
        ("eval", Eval.self), ("predict", Predict.self), ("check", Check.self), ("model", Model.self), ("export", Export.self),
        ("import", Import.self), ("delete", Delete.self), ("restore", Restore.self), ("gc", GC.self), ("serve", Serve.self),
        ("report", Report.self), ("track", Track.self), ("logs", Logs.self), ("artifacts", Artifacts.self),
        ("copy", Copy.self), ("experiment", ExperimentCommand.self), ("sweep", SweepCommand.self),
    ]

    /// The command line parsed with only the named subcommand as the root. Building the whole tree
    /// of commands costs argument-parser about 10 ms of dynamic casts at every start (more than a
    /// whole `nnreg export` otherwise takes). Anything that does not parse this way (help, a bad
    /// option, a missing argument) goes through the whole tree, for the usual messages and usage.
    static func parseQuickly(_ arguments: [String]) -> ParsableCommand? {
        guard let name = arguments.first, let type = commands.first(where: { $0.name == name })?.type,
              !arguments.contains("--help"), !arguments.contains("-h") else { return nil }
        return try? type.parseAsRoot(Array(arguments.dropFirst()))
    }

    /// Runs the command; runtime failures print one `Error: …` line on stderr and exit non-zero,
    /// argument errors get argument-parser's usage (exit 64).
    static func main() {
        let command: ParsableCommand
        do {
            if CommandLine.arguments.dropFirst().first == "track",
               let (request, db) = Track.quickRequest(Array(CommandLine.arguments.dropFirst(2))) {
                return run { try Track.execute(request, db: db) }
            }
            command = try parseQuickly(Array(CommandLine.arguments.dropFirst())) ?? parseAsRoot()
        } catch {
            exit(withError: error)
        }
        run {
            var command = command
            try command.run()
        }
    }

    /// Runs `body`; a failure prints as one line (or argument-parser's message) and sets the exit code.
    static func run(_ body: () throws -> Void) {
        do {
            try body()
        } catch let error as CLIError {
            if !error.isQuiet { Terminal.printError(error.description) }
            Foundation.exit(error.exitCode)
        } catch let error as SQLiteError where error.code == 5 || error.code == 6 {
            // SQLITE_BUSY / SQLITE_LOCKED outside a write transaction: still one line with a hint.
            Terminal.printError("the store is busy: another nnreg process held it longer than the wait allows; retry in a moment")
            Foundation.exit(1)
        } catch {
            // Argument-parser's own errors and exits keep its usage output and codes; any other
            // error prints as one `Error: …` line with exit 1.
            exit(withError: error)
        }
    }
}
