import Foundation
import Trainer

/// Loads `--data` with errors that say what to do.
enum DatasetLoading {
    /// `path` is a directory of IDX files, a .csv file or a .npz archive (`Dataset.load(path:)`).
    static func load(_ path: String) throws -> Dataset {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no dataset at '\(path)'; run 'make data' to fetch MNIST, or pass --data with a directory of IDX files, a .csv file or a .npz archive")
        }
        do {
            return try Dataset.load(path: path)
        } catch {
            throw CLIError("\(error)")
        }
    }
}
