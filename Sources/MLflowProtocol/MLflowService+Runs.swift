import Foundation
import HTTPTypes
import MLflowWire
import Store

/// Runs, their params, tags, metrics and inputs: MLflow's `runs/…` and `metrics/get-history`.
extension MLflowService {
    /// MLflow's limits on one call (its server's, so that a script that works there works here).
    static let maxBatchMetrics = 1_000, maxBatchParams = 100, maxBatchTags = 100
    static let maxKeyLength = 250, maxParamValueLength = 6_000, maxTagValueLength = 8_000
    /// The tag MLflow keeps a run's name in; nnreg keeps the name itself and shows it as this tag.
    static let runNameTag = "mlflow.runName"

    static func addRunEndpoints(_ add: (String, [HTTPRequest.Method], Bool, @escaping @Sendable (MLflowRequest, Store) throws -> JSONWriter) -> Void) {
        add("runs/create", [.post], true) { call, store in
            let experimentID = try Self.experimentID(try call.optionalString("experiment_id") ?? "0")
            let experiment = try store.experiment(id: experimentID)
            guard experiment.isActive else { throw MLflowError.invalid("The experiment \(experimentID) is deleted; restore it to log runs.") }
            var tags = Dictionary(try call.keyValues("tags"), uniquingKeysWith: { $1 })
            try Self.checkTags(tags)
            let given = try call.optionalString("run_name").flatMap { $0.isEmpty ? nil : $0 }
            let name = given ?? tags[Self.runNameTag].flatMap { $0.isEmpty ? nil : $0 }
            tags[Self.runNameTag] = nil
            var newRun = NewRun(name: name, targetSteps: 0, tags: tags)
            newRun.experimentID = experimentID
            newRun.userID = try call.optionalString("user_id")
            newRun.isNameFree = true
            newRun.isOwnedByThisProcess = false
            newRun.startedAt = try call.optionalInt64("start_time").map(Self.date)
            return try Self.runAnswer(try store.createRun(newRun), store: store)
        }
        add("runs/get", [.get, .post], false) { call, store in
            try Self.runAnswer(try store.run(uid: try call.string("run_id", "run_uuid")), store: store)
        }
        add("runs/update", [.post], true) { call, store in
            let run = try store.run(uid: try call.string("run_id", "run_uuid"))
            try store.inTransaction {
                if let name = try call.optionalString("run_name"), !name.isEmpty { try store.renameRun(id: run.id, to: name) }
                let status = try call.optionalString("status").map(Self.runStatus)
                let ended = try call.optionalInt64("end_time").map(Self.date)
                try store.updateRun(runID: run.id, status: status, endedAt: ended ?? (status.map { $0 == .running } == false ? Date() : nil))
            }
            let updated = try store.run(id: run.id)
            var writer = JSONWriter()
            writer.openObject()
            writer.key("run_info")
            try Self.writeRunInfo(&writer, updated, store: store)
            writer.closeObject()
            return writer
        }
        add("runs/delete", [.post], true) { call, store in
            try store.deleteRuns(ids: [try store.run(uid: try call.string("run_id", "run_uuid")).id])
            return Self.empty
        }
        add("runs/restore", [.post], true) { call, store in
            try store.restoreRuns(ids: [try store.run(uid: try call.string("run_id", "run_uuid")).id])
            return Self.empty
        }
        add("runs/log-metric", [.post], true) { call, store in
            let run = try Self.activeRun(call, store)
            let key = try call.string("key")
            try Self.checkKey(key)
            let point = MetricSample(
                key: key, step: Int(try call.optionalInt64("step") ?? 0), value: try call.double("value"),
                wallTime: Self.date(try call.optionalInt64("timestamp") ?? Self.milliseconds(Date())))
            try store.appendMetrics(runID: run.id, points: [point])
            return Self.empty
        }
        add("runs/log-parameter", [.post], true) { call, store in
            let run = try Self.activeRun(call, store)
            try Self.logParams(store, run, [(try call.string("key"), try call.optionalString("value") ?? "")])
            return Self.empty
        }
        add("runs/set-tag", [.post], true) { call, store in
            let run = try Self.activeRun(call, store)
            try Self.setTags(store, run, [(try call.string("key"), try call.optionalString("value") ?? "")])
            return Self.empty
        }
        add("runs/delete-tag", [.post], true) { call, store in
            let run = try Self.activeRun(call, store)
            try store.deleteTag(try call.string("key"), runID: run.id)
            return Self.empty
        }
        add("runs/log-batch", [.post], true) { call, store in
            let run = try Self.activeRun(call, store)
            let metrics = try call.metricPoints("metrics"), params = try call.keyValues("params"), tags = try call.keyValues("tags")
            guard metrics.count <= Self.maxBatchMetrics, params.count <= Self.maxBatchParams, tags.count <= Self.maxBatchTags,
                  metrics.count + params.count + tags.count <= Self.maxBatchMetrics else {
                throw MLflowError.invalid(
                    "A batch logging request can contain at most \(Self.maxBatchMetrics) metrics, \(Self.maxBatchParams) params and "
                        + "\(Self.maxBatchTags) tags, \(Self.maxBatchMetrics) in all. Got \(metrics.count) metrics, \(params.count) params "
                        + "and \(tags.count) tags.")
            }
            let now = Self.milliseconds(Date())
            var checked: Set<String> = []
            let points = try metrics.map { metric in
                if checked.insert(metric.key).inserted { try Self.checkKey(metric.key) }
                return MetricSample(key: metric.key, step: Int(metric.step), value: metric.value, wallTime: Self.date(metric.timestamp ?? now))
            }
            // All or nothing: one transaction, checked before anything is written.
            try store.inTransaction {
                try Self.logParams(store, run, params)
                try Self.setTags(store, run, tags)
                try store.appendMetrics(runID: run.id, points: points)
            }
            return Self.empty
        }
        add("runs/log-inputs", [.post], true) { call, store in
            let run = try Self.activeRun(call, store)
            let inputs = try call.objects("datasets").map { entry -> RunInput in
                guard let dataset = entry["dataset"]?.object, let name = dataset["name"]?.string,
                      let digest = dataset["digest"]?.string else {
                    throw MLflowError.invalid("Each dataset input needs a dataset with a name and a digest.")
                }
                let tags = try MLflowRequest(object: entry).keyValues("tags")
                return RunInput(
                    name: name, digest: digest, sourceType: dataset["source_type"]?.string ?? "",
                    source: dataset["source"]?.string ?? "", schema: dataset["schema"]?.string,
                    profile: dataset["profile"]?.string, tags: Dictionary(tags, uniquingKeysWith: { $1 }))
            }
            try store.logInputs(runID: run.id, inputs)
            return Self.empty
        }
        add("runs/log-model", [.post], true) { call, store in
            // MLflow 2's record of a logged model: kept as the run's tag, as MLflow's server does.
            let run = try Self.activeRun(call, store)
            let model = try call.optionalString("model_json") ?? "{}"
            let history = try store.tags(runID: run.id)["mlflow.log-model.history"].flatMap { $0.dropLast().isEmpty ? nil : String($0.dropLast()) }
            try store.addTags(["mlflow.log-model.history": (history.map { $0 + "," } ?? "[") + model + "]"], runID: run.id)
            return Self.empty
        }
        add("metrics/get-history", [.get, .post], false) { call, store in
            let run = try store.run(uid: try call.string("run_id", "run_uuid"))
            let key = try call.string("metric_key")
            let history = try store.metricHistory(runID: run.id, key: key)
            let offset = try call.optionalString("page_token").map(Self.offset) ?? 0
            let limit = try call.optionalInt64("max_results").map { Int(max(1, min($0, 1_000_000))) } ?? Int.max
            let end = min(history.count, offset &+ limit < offset ? history.count : offset + limit)
            var writer = JSONWriter(capacity: 96 * max(0, end - offset) + 64)
            writer.openObject()
            writer.key("metrics")
            writer.openArray()
            if offset < end {
                let prefix = JSONWriter.metricPrefix(key: key)
                for point in history[offset..<end] {
                    writer.metricPoint(prefix: prefix, value: point.value, timestamp: Self.milliseconds(point.wallTime), step: Int64(point.step))
                }
            }
            writer.closeArray()
            if end < history.count { writer.field("next_page_token", Self.token(offset: end)) }
            writer.closeObject()
            return writer
        }
    }

    static var empty: JSONWriter {
        var writer = JSONWriter(capacity: 2)
        writer.openObject()
        writer.closeObject()
        return writer
    }

    /// The run a write names; a deleted run is refused, as MLflow refuses it.
    static func activeRun(_ call: MLflowRequest, _ store: Store) throws -> Run {
        let run = try store.run(uid: try call.string("run_id", "run_uuid"))
        guard run.deletedAt == nil else {
            throw MLflowError.invalid("The run \(run.uid) must be in the 'active' state. Current state is deleted.")
        }
        return run
    }

    static func checkKey(_ key: String) throws {
        let utf8 = key.utf8
        guard utf8.count <= maxKeyLength else { throw MLflowError.invalid("Key '\(key.prefix(40))…' is longer than \(maxKeyLength) characters.") }
        var previous: UInt8 = 0
        var isValid = utf8.first != UInt8(ascii: "/")
        for byte in utf8 where isValid {
            isValid = byte >= 0x20 && !(byte == UInt8(ascii: ".") && previous == UInt8(ascii: "."))
            previous = byte
        }
        guard isValid else { throw MLflowError.invalid("Invalid key name: '\(key.prefix(60))'.") }
    }

    static func checkTags(_ tags: [String: String]) throws {
        for (key, value) in tags {
            try checkKey(key)
            guard value.utf8.count <= maxTagValueLength else {
                throw MLflowError.invalid("Tag '\(key)' has a value longer than \(maxTagValueLength) characters.")
            }
        }
    }

    /// Logs params as MLflow does: text, and a param once logged cannot take another value.
    static func logParams(_ store: Store, _ run: Run, _ params: [(key: String, value: String)]) throws {
        guard !params.isEmpty else { return }
        let existing = try store.params(runID: run.id)
        var new: [String: ParamValue] = [:]
        for (key, value) in params {
            try checkKey(key)
            guard value.utf8.count <= maxParamValueLength else {
                throw MLflowError.invalid("Param '\(key)' has a value longer than \(maxParamValueLength) characters.")
            }
            if let logged = existing[key] ?? new[key] {
                guard logged.description == value else {
                    throw MLflowError.invalid(
                        "Changing param values is not allowed. Param with key='\(key)' was already logged with value='\(logged)' "
                            + "for run ID='\(run.uid)'. Attempted logging new value '\(value)'.")
                }
                continue
            }
            new[key] = .text(value)
        }
        try store.setParams(new, runID: run.id)
    }

    /// Sets tags; `mlflow.runName` renames the run instead.
    static func setTags(_ store: Store, _ run: Run, _ tags: [(key: String, value: String)]) throws {
        var plain: [String: String] = [:]
        for (key, value) in tags {
            if key == runNameTag {
                if !value.isEmpty { try store.renameRun(id: run.id, to: value) }
            } else {
                plain[key] = value
            }
        }
        try checkTags(plain)
        try store.addTags(plain, runID: run.id)
    }

    /// `{"run": …}`, as runs/create and runs/get answer.
    static func runAnswer(_ run: Run, store: Store) throws -> JSONWriter {
        try answer("run") { try writeRun(&$0, run, store: store) }
    }

    static func writeRun(_ writer: inout JSONWriter, _ run: Run, store: Store) throws {
        writer.openObject()
        writer.key("info")
        try writeRunInfo(&writer, run, store: store)
        writer.key("data")
        writer.openObject()
        writer.key("metrics")
        writer.openArray()
        for point in try store.latestPoints(runID: run.id) {
            writer.metricPoint(
                prefix: JSONWriter.metricPrefix(key: point.key), value: point.value, timestamp: milliseconds(point.wallTime),
                step: Int64(point.step))
        }
        writer.closeArray()
        writer.keyValueList("params", try store.params(runID: run.id).mapValues(\.description))
        var tags = try store.tags(runID: run.id)
        tags[runNameTag] = run.name
        writer.keyValueList("tags", tags)
        writer.closeObject()
        writer.key("inputs")
        writer.openObject()
        writer.key("dataset_inputs")
        writer.openArray()
        for input in try store.inputs(runID: run.id) {
            writer.openObject()
            writer.keyValueList("tags", input.tags)
            writer.key("dataset")
            writer.openObject()
            writer.field("name", input.name)
            writer.field("digest", input.digest)
            writer.field("source_type", input.sourceType)
            writer.field("source", input.source)
            if let schema = input.schema { writer.field("schema", schema) }
            if let profile = input.profile { writer.field("profile", profile) }
            writer.closeObject()
            writer.closeObject()
        }
        writer.closeArray()
        writer.closeObject()
        writer.key("outputs")
        writer.openObject()
        let outputs = try store.runOutputs(runID: run.id)
        if !outputs.isEmpty {
            writer.key("model_outputs")
            writer.openArray()
            for output in outputs {
                writer.openObject()
                writer.field("model_id", output.modelID)
                writer.field("step", Int64(output.step))
                writer.closeObject()
            }
            writer.closeArray()
        }
        writer.closeObject()
        writer.closeObject()
    }

    static func writeRunInfo(_ writer: inout JSONWriter, _ run: Run, store: Store) throws {
        writer.openObject()
        writer.field("run_id", run.uid)
        writer.field("run_uuid", run.uid)
        writer.field("run_name", run.name)
        writer.field("experiment_id", String(run.experimentID))
        writer.field("user_id", run.userID ?? "")
        writer.field("status", statusName(run.status))
        writer.field("start_time", milliseconds(run.startedAt ?? run.createdAt))
        if let ended = run.endedAt { writer.field("end_time", milliseconds(ended)) }
        writer.field("artifact_uri", try artifactURI(of: run, store: store))
        writer.field("lifecycle_stage", run.deletedAt == nil ? "active" : "deleted")
        writer.closeObject()
    }

    /// Where a run's artifacts are: `LOCATION/RUN_ID/artifacts` under its experiment's location.
    static func artifactURI(of run: Run, store: Store) throws -> String {
        "\(try store.experimentArtifactLocation(id: run.experimentID))/\(run.uid)/artifacts"
    }

    /// MLflow's status names: a crashed run is FAILED, an interrupted one KILLED.
    static func statusName(_ status: RunStatus) -> String {
        switch status {
        case .running: "RUNNING"
        case .finished: "FINISHED"
        case .failed, .crashed: "FAILED"
        case .interrupted, .pruned: "KILLED"
        }
    }

    static func runStatus(_ name: String) throws -> RunStatus {
        switch name {
        case "RUNNING", "SCHEDULED": .running
        case "FINISHED": .finished
        case "FAILED": .failed
        case "KILLED": .interrupted
        default: throw MLflowError.invalid("Invalid run status '\(name)': use RUNNING, SCHEDULED, FINISHED, FAILED or KILLED.")
        }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000).rounded()) }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1_000) }

    static func experimentID(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id >= 0 else { throw MLflowError.invalid("'\(text)' is not an experiment id.") }
        return id
    }

    /// Page tokens are the offset of the next page, base64-encoded as MLflow's are.
    static func token(offset: Int) -> String { Data("{\"offset\": \(offset)}".utf8).base64EncodedString() }

    static func offset(_ token: String) throws -> Int {
        guard !token.isEmpty else { return 0 }
        guard let data = Data(base64Encoded: token), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let offset = object["offset"] as? Int, offset >= 0 else {
            throw MLflowError.invalid("Invalid page token '\(token.prefix(60))'.")
        }
        return offset
    }
}
