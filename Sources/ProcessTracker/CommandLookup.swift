import Foundation

/// Finds the program a command line names, as a shell would (`PATH` unless it contains a '/'),
/// so that a mistyped command is refused before anything is recorded.
enum CommandLookup {
    static func executable(for name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) throws(TrackError) -> String {
        let fileManager = FileManager.default
        if name.contains("/") {
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: name, isDirectory: &isDirectory) else { throw .commandNotFound(name) }
            guard !isDirectory.boolValue, fileManager.isExecutableFile(atPath: name) else { throw .notExecutable(name) }
            return name
        }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               fileManager.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        throw .commandNotFound(name)
    }
}
