import Foundation
import TestSupport
import Testing

@testable import Store

/// Experiments through the Store: create, find, rename, delete and restore, the rules that refuse
/// (a taken name, deleting `Default`), and runs listed and selected by experiment.
@Suite struct ExperimentTests {
    @Test(arguments: StoreBackend.available) func experimentsAreCreatedRenamedDeletedAndRestored(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let initial = try store.experiments()
            #expect(initial.map(\.id) == [0] && initial[0].name == "Default" && initial[0].artifactLocation == "mlflow-artifacts:/0")
            let sweeps = try store.createExperiment(name: "sweeps", tags: ["team": "core"])
            #expect(sweeps.id > 0 && sweeps.isActive && sweeps.tags == ["team": "core"] && sweeps.runCount == 0)
            #expect(sweeps.artifactLocation == "mlflow-artifacts:/\(sweeps.id)")
            #expect(try store.experiment(reference: "sweeps") == sweeps)
            #expect(try store.experiment(reference: String(sweeps.id)) == sweeps)
            #expect(throws: StoreError.experimentNotFound("nope")) { try store.experiment(reference: "nope") }
            #expect(throws: StoreError.duplicateExperimentName("sweeps")) { try store.createExperiment(name: "sweeps") }
            #expect(throws: StoreError.invalidExperimentName("")) { try store.createExperiment(name: "") }

            // --experiment NAME: found, or created on first use.
            #expect(try store.experimentID(forName: "sweeps") == sweeps.id)
            let fresh = try store.experimentID(forName: "fresh")
            #expect(try store.experiment(id: fresh).name == "fresh")

            try store.renameExperiment(id: sweeps.id, to: "grid")
            #expect(try store.experiment(named: "sweeps") == nil && store.experiment(named: "grid")?.id == sweeps.id)
            #expect(throws: StoreError.duplicateExperimentName("fresh")) { try store.renameExperiment(id: sweeps.id, to: "fresh") }
            #expect(try store.experiment(id: sweeps.id).name == "grid")

            #expect(throws: StoreError.defaultExperimentIsPermanent) { try store.deleteExperiment(id: 0) }
            try store.deleteExperiment(id: sweeps.id)
            #expect(try store.experiments().map(\.name) == ["Default", "fresh"])
            #expect(try store.experiments(lifecycle: .deleted).map(\.name) == ["grid"])
            #expect(try store.experiments(lifecycle: .all).count == 3)
            #expect(throws: StoreError.experimentIsDeleted("grid")) { try store.experimentID(forName: "grid") }
            #expect(throws: StoreError.duplicateExperimentName("grid")) { try store.createExperiment(name: "grid") }
            try store.restoreExperiment(id: sweeps.id)
            #expect(try store.experiment(id: sweeps.id).isActive)
            #expect(throws: StoreError.experimentNotFound("999")) { try store.deleteExperiment(id: 999) }
        }
    }

    @Test(arguments: StoreBackend.available) func runsAreListedAndSelectedByExperimentAndHiddenWithADeletedOne(backend: StoreBackend) throws {
        try withTemporaryStore(on: backend) { store, _ throws in
            let grid = try store.createExperiment(name: "grid")
            func make(_ name: String, in experiment: Int64, accuracy: Double) throws -> Run {
                var newRun = NewRun(name: name, targetSteps: 1, params: ["batch": .int(Int64(accuracy * 100))])
                newRun.experimentID = experiment
                let run = try store.createRun(newRun)
                try store.logMetrics(runID: run.id, step: 1, values: [("test_accuracy", accuracy)])
                try store.finishRun(runID: run.id, status: .finished)
                return run
            }
            let a = try make("a", in: 0, accuracy: 0.5)
            let b = try make("b", in: grid.id, accuracy: 0.75)
            let c = try make("c", in: grid.id, accuracy: 0.25)
            var unknown = NewRun(targetSteps: 1)
            unknown.experimentID = 4242
            #expect(throws: StoreError.experimentNotFound("4242")) { try store.createRun(unknown) }
            #expect(try store.listRuns().count == 3)

            #expect(try store.listRuns(experimentID: grid.id).map(\.id) == [c.id, b.id])
            #expect(try store.listRuns(experimentID: 0).map(\.id) == [a.id])
            #expect(try store.listRuns().map(\.experimentID) == [grid.id, grid.id, 0])
            #expect(try store.shownRunCounts() == [0: 1, grid.id: 2])
            if backend == .sqlite {
                let selected = try #require(try store.selectRuns(
                    where: .compare(.param("batch"), .greater, 30), sortKey: .id, experimentID: grid.id))
                #expect(selected.ids == [b.id])
                #expect(try store.selectRuns(where: nil, sortKey: .id, experimentID: 0)?.ids == [a.id])
            }
            // A soft-deleted run leaves its experiment's listing; a deleted experiment hides its runs
            // from every listing but its own and --deleted's.
            try store.deleteRuns(ids: [c.id])
            #expect(try store.listRuns(experimentID: grid.id).map(\.id) == [b.id])
            try store.deleteExperiment(id: grid.id)
            #expect(try store.listRuns().map(\.id) == [a.id])
            #expect(try store.listRuns(includeDeleted: true).map(\.id) == [c.id, b.id, a.id])
            #expect(try store.listRuns(experimentID: grid.id).map(\.id) == [b.id])
            if backend == .sqlite { #expect(try store.selectRuns(where: nil, sortKey: .id)?.ids == [a.id]) }
            try store.restoreExperiment(id: grid.id)
            #expect(try store.listRuns().map(\.id) == [b.id, a.id])
            #expect(try store.experiment(id: grid.id).runCount == 2)  // the soft-deleted run counts there
        }
    }
}
