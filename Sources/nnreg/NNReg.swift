import ArgumentParser
import Foundation

/// The `nnreg` command: trains the seed network and keeps a complete record of every run in one SQLite file.
@main
struct NNReg: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "nnreg",
        abstract: "Train a neural network and keep a complete, trustworthy record of every run.",
        version: version,
        subcommands: [Train.self, List.self, Show.self, Compare.self, Resume.self, Eval.self, Predict.self, Check.self])

    /// Runs the command; runtime failures print one `Error: …` line on stderr and exit non-zero,
    /// argument errors get argument-parser's usage (exit 64).
    static func main() {
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            var command = command
            try command.run()
        } catch let error as CLIError {
            if !error.isQuiet { Terminal.printError(error.description) }
            Foundation.exit(error.exitCode)
        } catch {
            // Argument-parser's own errors and exits keep its usage output and codes; any other
            // error prints as one `Error: …` line with exit 1.
            exit(withError: error)
        }
    }
}
