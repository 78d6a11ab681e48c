import Foundation
import HTTPTypes
import MLflowWire
import RunFilter
import Store

/// MLflow's `experiments/…` endpoints.
extension MLflowService {
    static func addExperimentEndpoints(_ add: (String, [HTTPRequest.Method], Bool, @escaping @Sendable (MLflowRequest, Store) throws -> JSONWriter) -> Void) {
        add("experiments/create", [.post], true) { call, store in
            let name = try call.string("name")
            let tags = Dictionary(try call.keyValues("tags"), uniquingKeysWith: { $1 })
            try Self.checkTags(tags)
            let location = try call.optionalString("artifact_location").flatMap { $0.isEmpty ? nil : $0 }
            let experiment: Experiment
            do {
                experiment = try store.createExperiment(name: name, artifactLocation: location, tags: tags)
            } catch StoreError.duplicateExperimentName {
                throw MLflowError.exists("Experiment '\(name)' already exists.")
            }
            var writer = JSONWriter()
            writer.openObject()
            writer.field("experiment_id", String(experiment.id))
            writer.closeObject()
            return writer
        }
        add("experiments/get", [.get, .post], false) { call, store in
            Self.experimentResponse(try Self.experiment(call, store))
        }
        add("experiments/get-by-name", [.get, .post], false) { call, store in
            let name = try call.string("experiment_name")
            guard let experiment = try store.experiment(named: name) else {
                throw MLflowError.notFound("Could not find experiment with name '\(name)'")
            }
            return Self.experimentResponse(experiment)
        }
        add("experiments/update", [.post], true) { call, store in
            let experiment = try Self.experiment(call, store)
            if let name = try call.optionalString("new_name"), !name.isEmpty {
                do {
                    try store.renameExperiment(id: experiment.id, to: name)
                } catch StoreError.duplicateExperimentName {
                    throw MLflowError.exists("Experiment '\(name)' already exists.")
                }
            }
            return Self.empty
        }
        add("experiments/delete", [.post], true) { call, store in
            try store.deleteExperiment(id: try Self.experiment(call, store).id)
            return Self.empty
        }
        add("experiments/restore", [.post], true) { call, store in
            try store.restoreExperiment(id: try Self.experiment(call, store).id)
            return Self.empty
        }
        add("experiments/set-experiment-tag", [.post], true) { call, store in
            let experiment = try Self.experiment(call, store)
            let key = try call.string("key"), value = try call.optionalString("value") ?? ""
            try Self.checkTags([key: value])
            try store.setExperimentTag(key, value, experimentID: experiment.id)
            return Self.empty
        }
        add("experiments/delete-experiment-tag", [.post], true) { call, store in
            try store.deleteExperimentTag(try call.string("key"), experimentID: try Self.experiment(call, store).id)
            return Self.empty
        }
        add("experiments/search", [.get, .post], false) { call, store in
            let view = try Self.lifecycle(try call.optionalString("view_type"))
            let filter = try TermFilter(
                try call.optionalString("filter") ?? "",
                attributes: ["name": .text, "creation_time": .number, "last_update_time": .number])
            var found = try store.experiments(lifecycle: view).filter { experiment in
                filter.matches({ Self.attribute($0, of: experiment) }, tags: experiment.tags)
            }
            try TermFilter.sort(
                &found, clauses: try call.strings("order_by"), fields: ["name", "experiment_id", "creation_time", "last_update_time"],
                key: { experiment, field in
                    field == "experiment_id" ? .number(Double(experiment.id)) : Self.attribute(field, of: experiment)
                },
                fallback: { left, right in
                    left.createdAt != right.createdAt ? left.createdAt > right.createdAt : left.id > right.id
                })
            let (page, next) = try Self.page(found, call, defaultLimit: 1_000, maxLimit: 50_000)
            return Self.pageAnswer("experiments", page, next: next) { Self.writeExperiment(&$0, $1) }
        }
    }

    static func attribute(_ name: String, of experiment: Experiment) -> TermFilter.Value? {
        switch name {
        case "name": return .text(experiment.name)
        case "creation_time": return .number(Double(milliseconds(experiment.createdAt)))
        case "last_update_time": return .number(Double(milliseconds(experiment.updatedAt)))
        default: return nil
        }
    }

    static func experiment(_ call: MLflowRequest, _ store: Store) throws -> Experiment {
        let text = try call.string("experiment_id")
        do {
            return try store.experiment(id: try experimentID(text))
        } catch StoreError.experimentNotFound {
            throw MLflowError.notFound("No Experiment with id=\(text) exists")
        }
    }

    static func lifecycle(_ viewType: String?) throws -> RunSearch.Lifecycle {
        switch viewType ?? "ACTIVE_ONLY" {
        case "ACTIVE_ONLY", "1", "": .active
        case "DELETED_ONLY", "2": .deleted
        case "ALL", "3": .all
        default: throw MLflowError.invalid("Invalid view_type '\(viewType ?? "")': use ACTIVE_ONLY, DELETED_ONLY or ALL.")
        }
    }

    static func experimentResponse(_ experiment: Experiment) -> JSONWriter {
        var writer = JSONWriter()
        writer.openObject()
        writer.key("experiment")
        writeExperiment(&writer, experiment)
        writer.closeObject()
        return writer
    }

    static func writeExperiment(_ writer: inout JSONWriter, _ experiment: Experiment) {
        writer.openObject()
        writer.field("experiment_id", String(experiment.id))
        writer.field("name", experiment.name)
        writer.field("artifact_location", experiment.artifactLocation)
        writer.field("lifecycle_stage", experiment.isActive ? "active" : "deleted")
        writer.field("last_update_time", milliseconds(experiment.updatedAt))
        writer.field("creation_time", milliseconds(experiment.createdAt))
        writer.keyValueList("tags", experiment.tags)
        writer.closeObject()
    }
}
