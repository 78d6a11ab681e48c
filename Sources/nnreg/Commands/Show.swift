import ArgumentParser
import Foundation
import Store

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one run: params, status, times, dataset, lineage, curves, checkpoints, evaluations.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The run: its id or name.", valueName: "run")) var reference: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let run = try store.existingRun(reference)
        let params = try store.params(runID: run.id)
        let tags = try store.tags(runID: run.id)
        var metrics: [String: [MetricPoint]] = [:]
        for key in try store.metricKeys(runID: run.id) { metrics[key] = try store.metricHistory(runID: run.id, key: key) }
        let checkpoints = try store.checkpoints(runID: run.id)
        let evaluations = try store.evaluations(runID: run.id)
        let parent = try run.parentRunID.map { try store.run(id: $0) }
        let forks = try store.forks(of: run.id)
        let versions = try store.modelVersions(runID: run.id)
        if json {
            try Terminal.printJSON(RunDetail(
                run: run, params: params, tags: tags, metrics: metrics, checkpoints: checkpoints,
                evaluations: evaluations, parentName: parent?.name, forks: forks, modelVersions: versions))
            return
        }
        var lines = [Terminal.bold("Run \(run.id) \(run.name)") + "  \(run.status.rawValue)  \(run.stepsDone)/\(run.targetSteps) steps"
            + (run.deletedAt.map { "  (deleted \(Formatting.time($0)); 'nnreg restore \(run.id)' brings it back)" } ?? "")]
        lines.append("created \(Formatting.time(run.createdAt))  started \(Formatting.time(run.startedAt))  ended \(Formatting.time(run.endedAt))")
        if let start = run.startedAt {
            let end = run.endedAt ?? (run.status == .running ? Date() : run.heartbeatAt ?? start)
            lines.append("duration \(Formatting.seconds(end.timeIntervalSince(start)))  host \(run.host ?? "-")  pid \(run.pid.map(String.init) ?? "-")  nnreg \(run.nnregVersion ?? "-")")
        }
        lines.append("dataset \(run.datasetName ?? "-")  sha256 \(run.datasetSHA256 ?? "-")")
        if let parent, let step = run.parentStep {
            lines.append("forked from run \(parent.id) \(parent.name) at step \(step)")
        }
        for fork in forks { lines.append("forked into run \(fork.id) \(fork.name) at step \(fork.parentStep ?? 0)") }
        for version in versions {
            lines.append("registered as model \(version.reference)\(version.aliases.map { " @\($0)" }.joined()) from step \(version.step)")
        }
        if let notes = run.notes { lines.append("notes \(notes)") }
        if !tags.isEmpty { lines.append("tags " + tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        print(lines.joined(separator: "\n"))

        var paramTable = Table([("PARAM", .left), ("VALUE", .right)])
        for (key, value) in params.sorted(by: { $0.key < $1.key }) { paramTable.append([key, value.description]) }
        print("\n" + paramTable.rendered())

        for key in ["loss", "accuracy"] + metrics.keys.sorted().filter({ $0 != "loss" && $0 != "accuracy" }) {
            guard let points = metrics[key], !points.isEmpty else { continue }
            let chart = LineChart(
                title: "\(key) (\(points.count) points, last \(points.last!.value.formatted(significantDigits: 6)))",
                series: [.init(label: run.name, points: points.map { (Double($0.step), $0.value) })])
            print("\n" + chart.rendered())
        }

        if !checkpoints.isEmpty {
            var table = Table([("STEP", .right), ("WEIGHTS SHA-256", .left), ("SIZE", .right)])
            for checkpoint in checkpoints {
                table.append([String(checkpoint.step), checkpoint.weightsSHA256, Formatting.bytes(checkpoint.weightsSize + checkpoint.trainerStateSize)])
            }
            print("\n" + table.rendered())
        }
        if !evaluations.isEmpty {
            var table = Table([("STEP", .right), ("SPLIT", .left), ("DATASET", .left), ("ACCURACY", .right), ("LOSS", .right), ("WHEN", .left)])
            for evaluation in evaluations {
                table.append([String(evaluation.step), evaluation.split, evaluation.datasetName,
                              Formatting.accuracy(evaluation.accuracy), evaluation.loss.map { String(format: "%.4f", $0) } ?? "-",
                              Formatting.time(evaluation.createdAt)])
            }
            print("\n" + table.rendered())
        }
    }
}

extension Double {
    func formatted(significantDigits: Int) -> String { String(format: "%.\(significantDigits)g", self) }
}

/// `show --json`.
struct RunDetail: Encodable {
    let run: Run
    let params: [String: ParamValue]
    let tags: [String: String]
    let metrics: [String: [MetricPoint]]
    let checkpoints: [CheckpointInfo]
    let evaluations: [EvaluationRecord]
    let parentName: String?
    let forks: [Run]
    let modelVersions: [ModelVersion]

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", name, status, stepsDone = "steps_done", targetSteps = "target_steps", seed
        case created, started, ended, heartbeat, pid, host, dataset, nnregVersion = "nnreg_version", notes
        case parent, forks, params, tags, metrics, checkpoints, evaluations, deleted
        case modelVersions = "model_versions"
    }
    struct VersionEntry: Encodable {
        let model: String; let version: Int; let step: Int; let aliases: [String]; let weightsSHA256: String
        enum CodingKeys: String, CodingKey { case model, version, step, aliases, weightsSHA256 = "weights_sha256" }
    }

    struct Parent: Encodable { let runID: Int64; let name: String?; let step: Int?
        enum CodingKeys: String, CodingKey { case runID = "run_id", name, step } }
    struct DatasetInfo: Encodable { let name: String?; let sha256: String? }
    struct CheckpointEntry: Encodable {
        let step: Int; let sha256: String; let size: Int; let trainerStateSHA256: String; let trainerStateSize: Int; let created: Date
        enum CodingKeys: String, CodingKey {
            case step, sha256, size, trainerStateSHA256 = "trainer_state_sha256", trainerStateSize = "trainer_state_size", created
        }
    }
    struct EvaluationEntry: Encodable {
        let step: Int; let split: String; let dataset: DatasetInfo; let accuracy: Double; let loss: Double?
        let perClass: JSONFragment; let confusion: JSONFragment; let created: Date
        enum CodingKeys: String, CodingKey { case step, split, dataset, accuracy, loss, perClass = "per_class", confusion, created }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(run.id, forKey: .runID)
        try container.encode(run.name, forKey: .name)
        try container.encode(run.status.rawValue, forKey: .status)
        try container.encode(run.stepsDone, forKey: .stepsDone)
        try container.encode(run.targetSteps, forKey: .targetSteps)
        try container.encodeIfPresent(run.seed, forKey: .seed)
        try container.encode(run.createdAt, forKey: .created)
        try container.encodeIfPresent(run.startedAt, forKey: .started)
        try container.encodeIfPresent(run.endedAt, forKey: .ended)
        try container.encodeIfPresent(run.heartbeatAt, forKey: .heartbeat)
        try container.encodeIfPresent(run.pid, forKey: .pid)
        try container.encodeIfPresent(run.host, forKey: .host)
        try container.encode(DatasetInfo(name: run.datasetName, sha256: run.datasetSHA256), forKey: .dataset)
        try container.encodeIfPresent(run.nnregVersion, forKey: .nnregVersion)
        try container.encodeIfPresent(run.notes, forKey: .notes)
        try container.encodeIfPresent(run.deletedAt, forKey: .deleted)
        try container.encode(modelVersions.map {
            VersionEntry(model: $0.modelName, version: $0.version, step: $0.step, aliases: $0.aliases, weightsSHA256: $0.weightsSHA256)
        }, forKey: .modelVersions)
        if let parentID = run.parentRunID {
            try container.encode(Parent(runID: parentID, name: parentName, step: run.parentStep), forKey: .parent)
        }
        try container.encode(forks.map { Parent(runID: $0.id, name: $0.name, step: $0.parentStep) }, forKey: .forks)
        try container.encode(params, forKey: .params)
        try container.encode(tags, forKey: .tags)
        try container.encode(metrics.mapValues { $0.map { [Double($0.step), $0.value] } }, forKey: .metrics)
        try container.encode(checkpoints.map {
            CheckpointEntry(step: $0.step, sha256: $0.weightsSHA256, size: $0.weightsSize,
                            trainerStateSHA256: $0.trainerStateSHA256, trainerStateSize: $0.trainerStateSize, created: $0.createdAt)
        }, forKey: .checkpoints)
        try container.encode(evaluations.map {
            EvaluationEntry(step: $0.step, split: $0.split, dataset: DatasetInfo(name: $0.datasetName, sha256: $0.datasetSHA256),
                            accuracy: $0.accuracy, loss: $0.loss, perClass: JSONFragment($0.perClassJSON),
                            confusion: JSONFragment($0.confusionJSON), created: $0.createdAt)
        }, forKey: .evaluations)
    }
}

/// JSON text stored in the database, re-emitted as structure rather than as a string.
struct JSONFragment: Encodable {
    let value: JSONValue
    init(_ text: String) { value = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

indirect enum JSONValue: Codable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
