/// `RUN` or `RUN@STEP`: a run by id or name, and optionally one of its checkpoints (default: the latest).
struct CheckpointReference: Equatable, CustomStringConvertible {
    let run: String
    let step: Int?

    init(run: String, step: Int?) {
        self.run = run
        self.step = step
    }

    init(parsing text: String) throws {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, let first = parts.first, !first.isEmpty else {
            throw CLIError("'\(text)' is not a run reference; use RUN or RUN@STEP, e.g. 3 or brisk-otter@500")
        }
        run = String(first)
        if parts.count == 2 {
            guard let step = Int(parts[1]), step >= 0 else {
                throw CLIError("'\(parts[1])' in '\(text)' is not a step; use RUN@STEP with a whole number, e.g. 3@500")
            }
            self.step = step
        } else {
            step = nil
        }
    }

    var description: String { step.map { "\(run)@\($0)" } ?? run }
}
