import CProcess
import Foundation

/// The commit checked out in the git work tree around a directory, and whether it has uncommitted
/// changes; nil outside a work tree or without git.
struct GitState {
    let commit: String
    let isDirty: Bool

    static func read(in directory: String) -> GitState? {
        guard let commit = git(["rev-parse", "--verify", "HEAD"], in: directory)?.trimmingCharacters(in: .whitespacesAndNewlines),
              commit.count >= 40,
              let status = git(["status", "--porcelain", "--untracked-files=no"], in: directory) else { return nil }
        return GitState(commit: commit, isDirty: !status.isEmpty)
    }

    /// Runs git with `posix_spawnp` and waits for that pid only (Foundation's `Process` reaps
    /// children itself, which could take the tracked command's exit status).
    private static func git(_ arguments: [String], in directory: String) -> String? {
        var fds: [Int32] = [0, 0]
        guard nnreg_pipe_cloexec(&fds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = (["git", "-C", directory] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawnp(&pid, "git", &actions, nil, argv, environ)
        close(fds[1])
        defer { close(fds[0]) }
        guard code == 0 else { return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = Glibc.read(fds[0], &buffer, buffer.count)
            if count > 0 { output += buffer[0..<count] } else if count < 0, errno == EINTR { continue } else { break }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        return status == 0 ? String(decoding: output, as: UTF8.self) : nil
    }
}
