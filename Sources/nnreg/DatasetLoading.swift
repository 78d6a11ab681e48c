import Foundation
import Trainer

/// Loads `--data` with errors that say what to do.
enum DatasetLoading {
    static func load(_ directory: String) throws -> Dataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("no dataset directory at '\(directory)'; run 'make data' to fetch MNIST, or pass --data DIR")
        }
        do {
            return try Dataset.load(directory: directory)
        } catch {
            throw CLIError("\(error)")
        }
    }
}
