import Store

extension Store {
    /// The run a user named by id or name, as a one-line error when there is none.
    func existingRun(_ reference: String) throws -> Run {
        do {
            return try run(reference: reference)
        } catch StoreError.runNotFound {
            throw CLIError("no run '\(reference)' in \(path); 'nnreg list' shows the runs there")
        }
    }

    /// The checkpoint a reference picks (its step, or the run's latest), blobs verified against their SHA-256.
    func existingCheckpoint(_ reference: CheckpointReference) throws -> (run: Run, checkpoint: Checkpoint) {
        let run = try existingRun(reference.run)
        let found: Checkpoint?
        do {
            found = try reference.step.map { try checkpoint(runID: run.id, step: $0) } ?? latestCheckpoint(runID: run.id)
        } catch let error as StoreError {
            throw CLIError("\(error)")
        }
        guard let found else {
            let steps = (try? checkpoints(runID: run.id).map { String($0.step) }) ?? []
            if let step = reference.step {
                throw CLIError("run \(run.name) has no checkpoint at step \(step); it has: \(steps.isEmpty ? "none" : steps.joined(separator: ", "))")
            }
            throw CLIError("run \(run.name) has no checkpoint yet; train or resume it first")
        }
        return (run, found)
    }
}
