import Foundation

/// `nnreg track` figures: what tracking costs a program that prints metric lines, how many lines a
/// second it parses and commits, and how much it delays the program's start.
func runTrackBenchmarks() throws {
    let nnreg = try nnregBinary()
    let bench = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
        : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-bench-track-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let db = folder + "/track.sqlite"
    let lines = 1_000_000

    // The issue's case: a program printing 100,000 metric lines a second (1,000,000 in all),
    // tracked vs not, side by side, alternating; medians of 3.
    var plain: [Double] = [], tracked: [Double] = []
    for _ in 0..<3 {
        plain.append(try wallTime(bench, ["emit", String(lines), "100000"]))
        tracked.append(try wallTime(nnreg, ["track", "--db", db, "--", bench, "emit", String(lines), "100000"]))
    }
    report("track.overhead_pct", (median(tracked) / median(plain) - 1) * 100, "%")
    report("track.paced_seconds", median(plain), "s (untracked, 100k lines/s)")

    // As fast as the program can print: every line parsed and committed before nnreg exits.
    plain = []
    tracked = []
    for _ in 0..<3 {
        plain.append(try wallTime(bench, ["emit", String(lines), "0"]))
        tracked.append(try wallTime(nnreg, ["track", "--db", db, "--", bench, "emit", String(lines), "0"]))
    }
    report("track.lines_per_s", Double(lines) / median(tracked), "lines/s (the seed's: 2 points each, parsed and committed)")
    report("track.unpaced_overhead_pct", (median(tracked) / median(plain) - 1) * 100, "% (program printing as fast as it can)")
    var single: [Double] = []
    for _ in 0..<3 { single.append(try wallTime(nnreg, ["track", "--db", db, "--", bench, "emit", String(lines), "0", "1"])) }
    report("track.lines_per_s_1_metric", Double(lines) / median(single), "lines/s (`step: N, loss: X`)")

    // Start-up: the program prints the time it started; nnreg's share is the difference.
    var direct: [Double] = [], viaTrack: [Double] = []
    for _ in 0..<21 {
        direct.append(try startDelay(bench, ["stamp"]))
        viaTrack.append(try startDelay(nnreg, ["track", "--db", db, "--", bench, "stamp"]))
    }
    report("track.start_ms", (median(viaTrack) - median(direct)) * 1000, "ms")
}

/// Wall time of running a command to completion, its output to /dev/null.
private func wallTime(_ binary: String, _ arguments: [String]) throws -> Double {
    let start = DispatchTime.now()
    let (pid, _) = try spawn(binary, arguments, stdout: "/dev/null")
    try wait(pid, arguments)
    return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// Seconds from launching the command to the moment `nnreg-bench stamp` (run by it) started.
private func startDelay(_ binary: String, _ arguments: [String]) throws -> Double {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-stamp-\(getpid())").path
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let launched = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    let (pid, _) = try spawn(binary, arguments, stdout: output)
    try wait(pid, arguments)
    let stamp = try String(contentsOfFile: output, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    guard let started = Double(stamp) else { throw BenchmarkError("no start stamp in '\(stamp)'") }
    return started - launched
}

private func spawn(_ binary: String, _ arguments: [String], stdout: String) throws -> (pid_t, Void) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([binary] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, binary, &actions, nil, argv, environ)
    guard spawned == 0 else { throw BenchmarkError("cannot start \(binary): error \(spawned)") }
    return (pid, ())
}

private func wait(_ pid: pid_t, _ arguments: [String]) throws {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
    guard status == 0 else { throw BenchmarkError("\(arguments.joined(separator: " ")) failed with wait status \(status)") }
}

/// `nnreg-bench emit LINES RATE [METRICS]`: prints LINES lines in the seed's format (METRICS 2, loss
/// and accuracy; 1, loss only), RATE a second (busy, as a training loop computing between lines
/// would be; 0 = as fast as it can), in 64 KB writes.
func emitMetricLines(_ count: Int, perSecond rate: Double, metrics: Int = 2) {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 16)
    let start = DispatchTime.now().uptimeNanoseconds
    func flush() {
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(1, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { exit(1) } }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
    /// `value` with six decimals, as C's "%.6f" prints it (without String(format:), which would
    /// make this program slower than what it measures).
    func append(_ value: Double) {
        let scaled = Int((value * 1_000_000).rounded())
        buffer.append(contentsOf: String(scaled / 1_000_000).utf8)
        buffer.append(UInt8(ascii: "."))
        var fraction = scaled % 1_000_000
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: 6)
        for index in (0..<6).reversed() {
            digits[index] = UInt8(ascii: "0") + UInt8(fraction % 10)
            fraction /= 10
        }
        buffer.append(contentsOf: digits)
    }
    for step in 1...count {
        buffer.append(contentsOf: "step: ".utf8)
        buffer.append(contentsOf: String(step).utf8)
        buffer.append(contentsOf: ", loss: ".utf8)
        append(1000.0 / Double(step))
        if metrics > 1 {
            buffer.append(contentsOf: ", accuracy: ".utf8)
            append(Double(step % 1000) / 1000)
        }
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count > 60_000 { flush() }
        if rate > 0, step % 100 == 0 {
            flush()
            let due = start + UInt64(Double(step) / rate * 1e9)
            while DispatchTime.now().uptimeNanoseconds < due {}  // computing
        }
    }
    flush()
}

/// `nnreg-bench stamp`: prints the wall-clock time this process reached main, in seconds.
func printStartStamp() {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    print(String(format: "%.6f", Double(now.tv_sec) + Double(now.tv_nsec) / 1e9))
}
