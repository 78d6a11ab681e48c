import ArgumentParser
import Foundation

/// `--db` and `--data`, shared by every command, with `NNREG_DB` / `NNREG_DATA` as defaults.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The registry file (env NNREG_DB).", valueName: "path"))
    var db: String = ProcessInfo.processInfo.environment["NNREG_DB"] ?? "nnreg.sqlite"

    @Option(name: .long, help: ArgumentHelp("The dataset directory of IDX files (env NNREG_DATA).", valueName: "dir"))
    var data: String = ProcessInfo.processInfo.environment["NNREG_DATA"] ?? "data/mnist"
}
