/// Why `nnreg track` could not run or record a command. Each says what to do.
public enum TrackError: Error, CustomStringConvertible, Equatable {
    case commandNotFound(String)
    case notExecutable(String)
    case cannotStart(String, reason: String)
    case artifactsDirectoryMissing(String)
    case cannotCreatePipe(reason: String)

    /// The exit status a shell gives for the same failure (127 not found, 126 not executable).
    public var exitCode: Int32 {
        switch self {
        case .commandNotFound: return 127
        case .notExecutable, .cannotStart: return 126
        default: return 1
        }
    }

    public var description: String {
        switch self {
        case .commandNotFound(let name):
            return "command '\(name)' not found (looked in PATH); nothing was recorded. Check the spelling or give its path."
        case .notExecutable(let name):
            return "'\(name)' is not an executable file; nothing was recorded. Check its permissions (chmod +x) or run it through its interpreter."
        case .cannotStart(let name, let reason):
            return "could not start '\(name)': \(reason); nothing was recorded."
        case .artifactsDirectoryMissing(let path):
            return "--artifacts '\(path)' is not a directory; nothing was recorded. Create it first, or fix the path."
        case .cannotCreatePipe(let reason):
            return "could not set up the command's output: \(reason); nothing was recorded."
        }
    }
}
