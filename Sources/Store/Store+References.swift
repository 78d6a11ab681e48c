extension Store {
    /// Resolves a checkpoint reference (grammar: `ReferenceReading`). Every reading of the text is
    /// tried; exactly one may name something. Throws `ReferenceSyntaxError` for malformed text,
    /// `StoreError.ambiguousReference` (listing the readings) when two name different things, and
    /// otherwise the most specific "not found" error (`aliasNotFound` with the aliases there are,
    /// `modelVersionNotFound`, `runNotFound`, `referenceNotFound`).
    public func resolve(_ text: String) throws -> ResolvedReference {
        var found: [ResolvedReference] = []
        var modelFailure: Error?
        var runFailure: Error?
        for reading in try ReferenceReading.readings(of: text) {
            do {
                switch reading {
                case .run(let reference, let step):
                    found.append(ResolvedReference(run: try run(reference: reference), step: step, modelVersion: nil, reading: reading))
                case .modelAlias(let model, let alias):
                    let version = try modelVersion(name: model, alias: alias)
                    let checkpoint = try version.requireCheckpoint()
                    found.append(ResolvedReference(run: try run(id: checkpoint.runID), step: checkpoint.step, modelVersion: version, reading: reading))
                case .modelVersion(let model, let number):
                    let version = try modelVersion(name: model, version: number)
                    let checkpoint = try version.requireCheckpoint()
                    found.append(ResolvedReference(run: try run(id: checkpoint.runID), step: checkpoint.step, modelVersion: version, reading: reading))
                }
            } catch StoreError.modelNotFound {
                continue  // the text simply is not a model reference
            } catch StoreError.runNotFound(let reference) {
                if case .run(_, _?) = reading { runFailure = StoreError.runNotFound(reference) }
            } catch {
                modelFailure = modelFailure ?? error
            }
        }
        if found.count > 1 {
            throw StoreError.ambiguousReference(text, readings: found.map { "\($0.reading)" })
        }
        if let only = found.first { return only }
        if let modelFailure { throw modelFailure }
        if let runFailure { throw runFailure }
        throw StoreError.runNotFound(text)
    }
}
