import Foundation
import TestSupport
import Testing

@testable import Store

/// The registry changes MLflow's API makes (migration 0009), at the Store level: models created
/// empty, described, renamed (the history follows the name back), tags of models and versions,
/// versions of files the API names, and logged models with their files, status and run outputs.
@Suite struct RegistryAPITests {
    @Test(arguments: StoreBackend.available) func modelsAreCreatedDescribedRenamedAndTagged(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let created = try store.createModel(name: "digits", description: "mlp", tags: ["task": "mnist"])
            #expect(created.versionCount == 0 && created.latestVersion == nil && created.tags == ["task": "mnist"])
            #expect(throws: StoreError.duplicateModelName("digits")) { try store.createModel(name: "digits") }
            #expect(throws: StoreError.invalidModelName("two words")) { try store.createModel(name: "two words") }
            try store.describeModel(name: "digits", description: "a better mlp")
            try store.setModelTag(name: "digits", key: "owner", value: "ada")
            try store.deleteModelTag(name: "digits", key: "task")
            #expect(throws: StoreError.tagNotFound(key: "task")) { try store.deleteModelTag(name: "digits", key: "task") }
            let model = try store.model(named: "digits")
            #expect(model.description == "a better mlp" && model.tags == ["owner": "ada"] && model.updatedAt >= model.createdAt)

            let run = try store.createRun(NewRun(name: "r", targetSteps: 1, datasetName: "mnist", datasetSHA256: "ab"))
            let version = try store.registerModelSource(
                name: "digits", source: "runs:/\(run.uid)/model", runID: run.id, loggedModelID: nil, description: "one", tags: ["k": "v"])
            #expect(version.version == 1 && version.source == "runs:/\(run.uid)/model" && version.runUID == run.uid)
            #expect(version.checkpointID == nil && version.step == nil && version.weightsSHA256 == nil && version.datasetSHA256 == "ab")
            #expect(throws: StoreError.versionIsNotACheckpoint(reference: "digits:v1", source: "runs:/\(run.uid)/model")) {
                try version.requireCheckpoint()
            }
            try store.describeModel(name: "digits", version: 1, description: "checked")
            try store.setModelTag(name: "digits", version: 1, key: "validated", value: "yes")
            let described = try store.modelVersion(name: "digits", version: 1)
            #expect(described.description == "checked" && described.tags == ["k": "v", "validated": "yes"])
            #expect(throws: StoreError.modelNotFound("nothing")) {
                try store.registerModelSource(name: "nothing", source: "s", runID: nil, loggedModelID: nil)
            }
            try store.setModelAlias(name: "digits", alias: "champion", version: 1)

            // Renamed: versions, tags and aliases follow; the old name is free; the history goes back.
            try store.createModel(name: "taken")
            #expect(throws: StoreError.duplicateModelName("taken")) { try store.renameModel(name: "digits", to: "taken") }
            try store.renameModel(name: "digits", to: "mnist")
            #expect(throws: StoreError.modelNotFound("digits")) { try store.model(named: "digits") }
            #expect(try store.modelVersion(name: "mnist", alias: "champion").version == 1)
            let history = try store.modelHistory(name: "mnist")
            #expect(history.map(\.action) == [.modelCreated, .versionRegistered, .aliasSet, .modelRenamed], "\(history)")
            #expect(history.last?.summary == "renamed model digits to mnist")
            #expect(history[1].detail == "source runs:/\(run.uid)/model of run \(run.id) r")
            // A new model under the old name has a history of its own.
            try store.createModel(name: "digits")
            #expect(try store.modelHistory(name: "digits").map(\.action) == [.modelCreated])
            // Deleting a version an alias names is refused without force, as nnreg model does.
            #expect(throws: StoreError.versionHasAliases(model: "mnist", version: 1, aliases: ["champion"])) {
                try store.deleteModelVersion(name: "mnist", version: 1)
            }
            try store.deleteModelVersion(name: "mnist", version: 1, force: true)
            #expect(try store.modelHistory(name: "mnist").last?.detail == "source runs:/\(run.uid)/model")
        }
    }

    @Test(arguments: StoreBackend.available) func loggedModelsKeepTheirFilesStatusAndRun(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let run = try store.createRun(NewRun(name: "r", targetSteps: 1))
            let model = try store.createLoggedModel(
                experimentID: 0, name: "model", runID: run.id, modelType: "pyfunc", params: ["lr": "0.1"], tags: ["t": "1"])
            #expect(model.id.count == 34 && model.id.hasPrefix("m-") && model.status == .pending && model.runUID == run.uid)
            #expect(model.params == ["lr": "0.1"] && model.tags == ["t": "1"] && model.modelType == "pyfunc")
            #expect(throws: StoreError.loggedModelNotFound("m-00000000000000000000000000000000")) {
                try store.loggedModel(id: "m-00000000000000000000000000000000")
            }
            #expect(throws: StoreError.experimentNotFound("42")) {
                try store.createLoggedModel(experimentID: 42, name: "x", runID: nil, modelType: nil, params: [:], tags: [:])
            }
            // Its files, one of them larger than a piece, stored and read like a run's artifacts.
            let small = Data("flavors: {}".utf8)
            let piece = try store.putArtifactPiece(small)
            try store.recordArtifact(owner: .loggedModel(model.id), name: "MLmodel", sha256: piece, size: small.count, pieces: [(piece, small.count)])
            let big = (0..<2).map { Data(repeating: UInt8($0 + 1), count: 1_000) }
            let pieces = try big.map { (sha256: try store.putArtifactPiece($0), size: $0.count) }
            try store.recordArtifact(owner: .loggedModel(model.id), name: "weights/w.bin", sha256: String(repeating: "c", count: 64),
                                     size: 2_000, pieces: pieces)
            #expect(try store.artifacts(of: .loggedModel(model.id)).map(\.name) == ["MLmodel", "weights/w.bin"])
            let read = try store.artifactPieces(of: .loggedModel(model.id), name: "weights/w.bin").map {
                try store.artifactPiece($0, of: .loggedModel(model.id), name: "weights/w.bin")
            }
            #expect(read == big)
            #expect(try store.artifacts(runID: run.id).isEmpty, "a logged model's files are not its run's")

            let ready = try store.updateLoggedModel(id: model.id, status: .ready, tags: ["mlflow.modelVersions": "[]"])
            #expect(ready.status == .ready && ready.tags == ["t": "1", "mlflow.modelVersions": "[]"])
            try store.deleteLoggedModelTag(id: model.id, key: "t")
            #expect(throws: StoreError.tagNotFound(key: "t")) { try store.deleteLoggedModelTag(id: model.id, key: "t") }
            try store.logRunOutputs(runID: run.id, models: [(model.id, 0), (model.id, 0), (model.id, 5)])
            #expect(try store.runOutputs(runID: run.id).map { "\($0.modelID)@\($0.step)" } == ["\(model.id)@0", "\(model.id)@5"])
            #expect(try store.loggedModels(experimentIDs: [0]).map(\.id) == [model.id])
            #expect(try store.loggedModels(experimentIDs: [7]).isEmpty)

            // A version made from it names it; gc keeps its files; deleting hides it from searches.
            try store.createModel(name: "doubler")
            let version = try store.registerModelSource(name: "doubler", source: "models:/\(model.id)", runID: run.id, loggedModelID: model.id)
            #expect(version.loggedModelID == model.id)
            #expect(try store.collectGarbage().blobs == 0)
            #expect(try store.check().problems.isEmpty)
            try store.deleteLoggedModel(id: model.id)
            #expect(try store.loggedModels(experimentIDs: []).isEmpty)
            #expect(try store.loggedModels(experimentIDs: [], includingDeleted: true).count == 1)
        }
    }
}
