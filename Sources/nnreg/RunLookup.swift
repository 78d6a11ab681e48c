import Store

/// A checkpoint a reference picked, with the model version it came through, if any.
struct PickedCheckpoint {
    let run: Run
    let checkpoint: Checkpoint
    let modelVersion: ModelVersion?

    /// `MODEL:vN (run R@STEP)` or `R@STEP`, for messages.
    var label: String {
        let own = "\(run.name)@\(checkpoint.info.step)"
        return modelVersion.map { "\($0.reference) (\(own))" } ?? own
    }
}

extension Store {
    /// The run a user named by id, name, uid or uid prefix, as a one-line error when there is none or
    /// when the name is several runs'.
    func existingRun(_ reference: String) throws -> Run {
        do {
            return try run(reference: reference)
        } catch StoreError.runNotFound {
            throw CLIError("no run '\(reference)' in \(path); 'nnreg list' shows the runs there")
        } catch let error as StoreError {
            throw CLIError(error.description)  // a name several runs share: their uids
        }
    }

    /// What a reference (`RUN`, `RUN@STEP`, `MODEL@ALIAS`, `MODEL:vN`, `models:/…`) names, with
    /// every failure as one line.
    func existingReference(_ text: String) throws -> ResolvedReference {
        do {
            return try resolve(text)
        } catch let error as ReferenceSyntaxError {
            throw CLIError(error.description)
        } catch StoreError.runNotFound(let reference) {
            throw CLIError("no run or model version '\(reference == text ? text : reference)' in \(path); 'nnreg list' and 'nnreg model list' show what is there")
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
    }

    /// The checkpoint a reference picks (its step, or the run's latest), blobs verified against their SHA-256.
    func existingCheckpoint(_ text: String) throws -> PickedCheckpoint {
        let resolved = try existingReference(text)
        let run = resolved.run
        let found: Checkpoint?
        do {
            found = try resolved.step.map { try checkpoint(runID: run.id, step: $0) } ?? latestCheckpoint(runID: run.id)
        } catch let error as StoreError {
            throw CLIError("\(error)")
        }
        guard let found else {
            let steps = (try? checkpoints(runID: run.id).map { String($0.step) }) ?? []
            if let step = resolved.step {
                throw CLIError("run \(run.name) has no checkpoint at step \(step); it has: \(steps.isEmpty ? "none" : steps.joined(separator: ", "))")
            }
            throw CLIError("run \(run.name) has no checkpoint yet; train or resume it first")
        }
        return PickedCheckpoint(run: run, checkpoint: found, modelVersion: resolved.modelVersion)
    }
}
