import ArgumentParser
import Foundation
import Store

/// `--db` and `--data`, shared by every command, with `NNREG_DB` / `NNREG_DATA` as defaults.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The registry: a SQLite file, or postgresql://USER@HOST[:PORT]/DB (env NNREG_DB).", valueName: "path|url"))
    var db: String = ProcessInfo.processInfo.environment["NNREG_DB"] ?? "nnreg.sqlite"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The dataset: a directory of IDX files, a .csv file or a .npz archive (env NNREG_DATA).", valueName: "path"))
    var data: String = ProcessInfo.processInfo.environment["NNREG_DATA"] ?? "data/mnist"

    /// `db` as it may be printed: a URL's password is never shown.
    var shownDB: String { Store.shownLocation(db) }
}
