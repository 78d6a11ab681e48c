import Foundation
import HTTPTypes
import MLflowWire
import Store

/// MLflow 3's logged models (`logged-models…`, `runs/outputs`): what `log_model` creates before it
/// uploads the model's files to `EXPERIMENT/models/MODEL_ID/artifacts/` through the artifact proxy,
/// finalizes once they are in, and registers as a version whose source is `models:/MODEL_ID`.
extension MLflowService {
    static func addLoggedModelEndpoints(_ add: (String, [HTTPRequest.Method], Bool, @escaping @Sendable (MLflowRequest, Store) throws -> JSONWriter) -> Void) {
        add("logged-models", [.post], true) { call, store in
            let experimentID = try Self.experimentID(try call.string("experiment_id"))
            let runID = try call.optionalString("source_run_id").flatMap { $0.isEmpty ? nil : $0 }.map { try store.run(uid: $0).id }
            let tags = Dictionary(try call.keyValues("tags"), uniquingKeysWith: { $1 })
            try Self.checkTags(tags)
            let params = Dictionary(try call.keyValues("params"), uniquingKeysWith: { $1 })
            let name = try call.optionalString("name").flatMap { $0.isEmpty ? nil : $0 } ?? "model"
            try Self.checkKey(name)
            let model = try store.createLoggedModel(
                experimentID: experimentID, name: name, runID: runID,
                modelType: try call.optionalString("model_type").flatMap { $0.isEmpty ? nil : $0 }, params: params, tags: tags)
            return try Self.loggedModelAnswer(model, store: store)
        }
        add("logged-models/{model_id}", [.get], false) { call, store in
            try Self.loggedModelAnswer(try store.loggedModel(id: try call.string("model_id")), store: store)
        }
        add("logged-models/{model_id}", [.patch], true) { call, store in
            let status = try call.optionalString("status").map(Self.loggedModelStatus)
            let model = try store.updateLoggedModel(id: try call.string("model_id"), status: status)
            return try Self.loggedModelAnswer(model, store: store)
        }
        add("logged-models/{model_id}", [.delete], true) { call, store in
            try store.deleteLoggedModel(id: try call.string("model_id"))
            return Self.empty
        }
        add("logged-models/{model_id}/tags", [.patch], true) { call, store in
            let tags = Dictionary(try call.keyValues("tags"), uniquingKeysWith: { $1 })
            try Self.checkTags(tags)
            try store.updateLoggedModel(id: try call.string("model_id"), status: nil, tags: tags)
            return Self.empty
        }
        add("logged-models/{model_id}/tags/{tag_key}", [.delete], true) { call, store in
            try store.deleteLoggedModelTag(id: try call.string("model_id"), key: try call.string("tag_key"))
            return Self.empty
        }
        add("logged-models/search", [.post], false) { call, store in
            let ids = try call.strings("experiment_ids").map(Self.experimentID)
            let filter = try TermFilter(
                try call.optionalString("filter") ?? "",
                attributes: ["name": .textOrList, "model_type": .text, "status": .text, "source_run_id": .textOrList, "model_id": .textOrList],
                missingTagIsUnequal: true)
            let found = try store.loggedModels(experimentIDs: ids).filter { model in
                filter.matches({ field in
                    switch field {
                    case "name": .text(model.name)
                    case "model_type": .text(model.modelType ?? "")
                    case "status": .text(Self.loggedModelStatusName(model.status))
                    case "source_run_id": .text(model.runUID ?? "")
                    case "model_id": .text(model.id)
                    default: nil
                    }
                }, tags: model.tags)
            }
            let (page, next) = try Self.page(found, call, defaultLimit: 100, maxLimit: 1_000)
            return try Self.pageAnswer("models", page, next: next) { try Self.writeLoggedModel(&$0, $1, store: store) }
        }
        add("runs/outputs", [.post], true) { call, store in
            let run = try Self.activeRun(call, store)
            let models = try call.objects("models").map { entry -> (id: String, step: Int) in
                guard let id = entry["model_id"]?.string, !id.isEmpty else { throw MLflowError.invalid("An output has no model_id.") }
                return (id, Int(try entry["step"].map { try MLflowRequest.int64($0, "step") } ?? 0))
            }
            try store.logRunOutputs(runID: run.id, models: models)
            return Self.empty
        }
    }

    static func loggedModelStatus(_ name: String) throws -> LoggedModel.Status {
        switch name {
        case "LOGGED_MODEL_PENDING": .pending
        case "LOGGED_MODEL_READY": .ready
        case "LOGGED_MODEL_UPLOAD_FAILED": .failed
        default: throw MLflowError.invalid("Invalid logged model status '\(name.prefix(40))'.")
        }
    }

    static func loggedModelStatusName(_ status: LoggedModel.Status) -> String {
        switch status {
        case .pending: "LOGGED_MODEL_PENDING"
        case .ready: "LOGGED_MODEL_READY"
        case .failed: "LOGGED_MODEL_UPLOAD_FAILED"
        }
    }

    /// `LOCATION/models/MODEL_ID/artifacts` under its experiment's location.
    static func loggedModelArtifactURI(_ model: LoggedModel, store: Store) throws -> String {
        "\(try store.experimentArtifactLocation(id: model.experimentID))/models/\(model.id)/artifacts"
    }

    static func loggedModelAnswer(_ model: LoggedModel, store: Store) throws -> JSONWriter {
        try answer("model") { try writeLoggedModel(&$0, model, store: store) }
    }

    static func writeLoggedModel(_ writer: inout JSONWriter, _ model: LoggedModel, store: Store) throws {
        writer.openObject()
        writer.key("info")
        writer.openObject()
        writer.field("model_id", model.id)
        writer.field("experiment_id", String(model.experimentID))
        writer.field("name", model.name)
        writer.field("creation_timestamp_ms", milliseconds(model.createdAt))
        writer.field("last_updated_timestamp_ms", milliseconds(model.updatedAt))
        writer.field("artifact_uri", try loggedModelArtifactURI(model, store: store))
        writer.field("status", loggedModelStatusName(model.status))
        if let message = model.statusMessage { writer.field("status_message", message) }
        writer.field("model_type", model.modelType ?? "")
        if let run = model.runUID { writer.field("source_run_id", run) }
        writer.keyValueList("tags", model.tags)
        writer.closeObject()
        writer.key("data")
        writer.openObject()
        writer.keyValueList("params", model.params)
        writer.closeObject()
        writer.closeObject()
    }
}
