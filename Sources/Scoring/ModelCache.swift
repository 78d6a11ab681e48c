import Foundation
import Store
import Synchronization
import Trainer

/// What references (`digits@champion`, `digits:v3`, `RUN@STEP`) name now, on a read-only
/// connection of its own (never the pages'). A resolution is kept while the store's data version
/// stays the same, so a request after an alias moved (by `nnreg model alias` or MLflow's API, in
/// any process) resolves again and gets the new version; networks are kept by weights SHA-256,
/// loaded and verified against it once.
final class ModelCache: Sendable {
    let resolutions: VersionedCache<ServedModel>
    /// Distinct networks kept in memory at once.
    static let maxNetworks = 16
    private let networks = Mutex<[String: Network]>([:])

    init(storePath: String) {
        resolutions = VersionedCache(path: storePath)
    }

    /// The model `reference` names now. Throws `StoreError`, `ReferenceSyntaxError` or `ScoringError`.
    func model(_ reference: String) throws -> ServedModel {
        try resolutions.value(reference) { store in try resolve(reference, in: store) }
    }

    private func resolve(_ reference: String, in store: Store) throws -> ServedModel {
        let resolved = try store.resolve(reference)
        let checkpoints = try store.checkpoints(runID: resolved.run.id)
        guard let info = resolved.step.map({ step in checkpoints.first { $0.step == step } }) ?? checkpoints.last else {
            if let step = resolved.step { throw StoreError.checkpointNotFound(runID: resolved.run.id, step: step) }
            throw ScoringError.noCheckpoint(run: resolved.run.name)
        }
        let label = resolved.modelVersion?.reference ?? "\(resolved.run.name)@\(info.step)"
        if let network = networks.withLock({ $0[info.weightsSHA256] }) {
            return ServedModel(label: label, weightsSHA256: info.weightsSHA256, network: network)
        }
        // Read once and checked against its SHA-256 by the store.
        guard let checkpoint = try store.checkpoint(runID: info.runID, step: info.step) else {
            throw StoreError.checkpointNotFound(runID: info.runID, step: info.step)
        }
        let network: Network
        do {
            network = try Network(serialized: [UInt8](checkpoint.weights))
        } catch {
            throw ScoringError.unreadableWeights(label: label, reason: "\(error)")
        }
        networks.withLock { networks in
            if networks.count >= Self.maxNetworks { networks.removeAll(keepingCapacity: true) }
            networks[info.weightsSHA256] = network
        }
        return ServedModel(label: label, weightsSHA256: info.weightsSHA256, network: network)
    }
}
