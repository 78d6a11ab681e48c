import Foundation

/// The `nnreg` built beside this binary (`swift build -c release` builds both).
func nnregBinary() throws -> String {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("nnreg").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw BenchmarkError("no nnreg beside nnreg-bench at \(binary); build it first: swift build -c release")
    }
    return binary
}

/// Runs nnreg to completion with its output discarded; throws unless it exits 0.
func runQuietly(_ binary: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchmarkError("nnreg \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
    }
}

/// Median wall time of running the command to completion with its output discarded. Launched with
/// posix_spawn and waitpid, as a shell would, so the figure is nnreg's own time, not Foundation's.
func medianLaunch(_ binary: String, _ arguments: [String], launches: Int = 11) throws -> Double {
    var times: [Double] = []
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([binary] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    for _ in 0..<launches {
        var pid = pid_t()
        let start = DispatchTime.now()
        let spawned = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchmarkError("cannot start \(binary): error \(spawned)") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        guard status == 0 else {
            throw BenchmarkError("nnreg \(arguments.joined(separator: " ")) failed with wait status \(status)")
        }
    }
    return times.sorted()[launches / 2]
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
