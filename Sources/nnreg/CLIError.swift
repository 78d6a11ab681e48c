/// A failure the user can act on: one line saying what is wrong and what to do.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32
    /// Already reported (e.g. an interrupted run's hint): exit with the code, print nothing more.
    let isQuiet: Bool

    init(_ description: String, exitCode: Int32 = 1, isQuiet: Bool = false) {
        self.description = description
        self.exitCode = exitCode
        self.isQuiet = isQuiet
    }
}
