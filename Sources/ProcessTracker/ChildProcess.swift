import CProcess
import Foundation

/// A command started with `posix_spawn`, its stdin inherited and its stdout and stderr read by
/// nnreg: through a pseudo-terminal when nnreg's own stdout is a terminal (so the command still
/// sees one, and keeps its colours and progress bars), through pipes otherwise.
final class ChildProcess {
    let pid: pid_t
    /// Read ends: (descriptor, nnreg's own descriptor to pass the bytes on to).
    let outputs: [(fd: Int32, destination: Int32)]

    /// Starts `executable` with `arguments` (the first is argv[0]) and `environment` added to ours.
    init(executable: String, arguments: [String], environment: [String: String]) throws(TrackError) {
        var readEnds: [(Int32, Int32)] = []
        var childEnds: [Int32] = []  // descriptors for the child's fd 1 and 2
        func pipePair() throws(TrackError) -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard nnreg_pipe_cloexec(&fds) == 0 else { throw .cannotCreatePipe(reason: String(cString: strerror(errno))) }
            return (fds[0], fds[1])
        }
        let stdoutIsTerminal = isatty(1) == 1, stderrIsTerminal = isatty(2) == 1
        if stdoutIsTerminal, let (master, slave) = Self.openTerminal() {
            readEnds.append((master, 1))
            childEnds.append(slave)
            if stderrIsTerminal {
                childEnds.append(slave)  // one terminal, as a person sees it: stderr shows on it too
            } else {
                let error = try pipePair()
                readEnds.append((error.read, 2))
                childEnds.append(error.write)
            }
        } else {
            let output = try pipePair()
            let error = try pipePair()
            readEnds = [(output.read, 1), (error.read, 2)]
            childEnds = [output.write, error.write]
        }
        defer { for fd in Set(childEnds) { close(fd) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childEnds[0], 1)
        posix_spawn_file_actions_adddup2(&actions, childEnds[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { $1 }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard code == 0 else {
            for (fd, _) in readEnds { close(fd) }
            throw .cannotStart(arguments.first ?? executable, reason: String(cString: strerror(code)))
        }
        self.pid = pid
        outputs = readEnds
    }

    /// A pseudo-terminal pair (master, slave) with the size of nnreg's terminal, in raw mode so that
    /// line endings pass through unchanged; nil if the system has none to give.
    private static func openTerminal() -> (Int32, Int32)? {
        var master: Int32 = -1, slave: Int32 = -1
        return nnreg_open_pty(&master, &slave, 1) == 0 ? (master, slave) : nil
    }

    /// The exit status as a shell reports it (128 + N for signal N), if the process has ended;
    /// `block` waits for it.
    func exitStatus(block: Bool) -> (code: Int32, signal: Int32?)? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result == -1, errno == EINTR { continue }
            guard result == pid else { return nil }
            break
        }
        let signal = status & 0x7F
        if signal == 0 { return ((status >> 8) & 0xFF, nil) }
        return (128 + signal, signal)
    }
}
