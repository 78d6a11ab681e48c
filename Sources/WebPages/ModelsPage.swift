import Foundation
import Store

/// The registry: every model with its versions and aliases, and one model's versions with their
/// lineage (run, step, dataset) and its whole history.
public struct ModelsPage {
    public let models: [RegisteredModel]

    public static func load(_ store: Store) throws -> ModelsPage { ModelsPage(models: try store.models()) }

    public func html() -> String {
        var body = "<h1>Models</h1>"
        if models.isEmpty {
            body += "<p class=\"meta\">No models yet. Register one with <code>nnreg model register NAME RUN[@STEP]</code>.</p>"
        } else {
            body += "<table id=\"models\"><thead><tr><th>NAME</th><th class=\"num\">VERSIONS</th><th>LATEST</th><th>ALIASES</th><th>CREATED</th></tr></thead><tbody>"
            for model in models {
                body += "<tr><td>\(Page.link("/models/\(HTML.urlComponent(model.name))", model.name))</td><td class=\"num\">\(model.versionCount)</td>"
                body += "<td>\(model.latestVersion.map { "v\($0)" } ?? "–")</td><td>\(ModelPage.aliases(model.aliases))</td><td>\(Format.time(model.createdAt))</td></tr>"
            }
            body += "</tbody></table>"
        }
        return Page.document(title: "Models", mode: .served, body: body)
    }
}

/// One model: versions (with run, step, test accuracy, dataset, weights, who), aliases, history.
public struct ModelPage {
    public let model: RegisteredModel
    public let versions: [ModelVersion]
    public let runs: [Int64: Run]
    public let history: [ModelHistoryEntry]

    public static func load(_ store: Store, name: String) throws -> ModelPage {
        let model = try store.model(named: name)
        let versions = try store.modelVersions(name: name)
        var runs: [Int64: Run] = [:]
        for version in versions {
            if let runID = version.runID, runs[runID] == nil { runs[runID] = try store.run(id: runID) }
        }
        return ModelPage(model: model, versions: versions, runs: runs, history: try store.modelHistory(name: name))
    }

    static func aliases(_ aliases: [String: Int]) -> String {
        aliases.isEmpty ? "–" : aliases.sorted { $0.key < $1.key }.map { "<span class=\"tag\">@\(HTML.escape($0.key)) → v\($0.value)</span>" }.joined(separator: " ")
    }

    public func html() -> String {
        var body = "<h1>Model \(HTML.escape(model.name))</h1>"
        if let description = model.description { body += "<p>\(HTML.escape(description))</p>" }
        body += "<p>aliases \(Self.aliases(model.aliases))\(model.tags.isEmpty ? "" : " · tags " + Page.tags(model.tags))</p>"
        body += "<h2>Versions</h2><table id=\"versions\"><thead><tr><th>VERSION</th><th>ALIASES</th><th>RUN</th><th class=\"num\">STEP</th>"
        body += "<th class=\"num\">TEST ACC</th><th>DATASET</th><th>WEIGHTS SHA-256 / SOURCE</th><th>REGISTERED</th><th>BY</th><th>DESCRIPTION</th></tr></thead><tbody>"
        for version in versions {
            body += "<tr><td>v\(version.version)</td><td>\(version.aliases.map { "@" + HTML.escape($0) }.joined(separator: " "))</td>"
            if let runID = version.runID {
                body += "<td>\(Page.link("/runs/\(runID)", "\(runID) \(runs[runID]?.name ?? "?")"))</td>"
            } else {
                body += "<td>–</td>"
            }
            body += "<td class=\"num\">\(version.step.map(String.init) ?? "–")</td>"
            body += "<td class=\"num\">\(Format.accuracy(version.testAccuracy))</td><td>\(HTML.escape(version.datasetName ?? "–"))</td>"
            if let weights = version.weightsSHA256 {
                body += "<td><code>\(weights.prefix(16))…</code></td>"
            } else {
                body += "<td>\(HTML.escape(version.source ?? "–"))</td>"
            }
            body += "<td>\(Format.time(version.createdAt))</td>"
            body += "<td>\(HTML.escape(version.createdBy))@\(HTML.escape(version.createdHost))</td><td>\(HTML.escape(version.description ?? ""))</td></tr>"
        }
        body += "</tbody></table><h2>History</h2><table id=\"history\"><thead><tr><th>WHEN</th><th>WHO</th><th>WHAT</th></tr></thead><tbody>"
        for entry in history {
            body += "<tr><td>\(Format.time(entry.at))</td><td>\(HTML.escape(entry.user))@\(HTML.escape(entry.host))</td><td>\(HTML.escape(entry.summary))</td></tr>"
        }
        body += "</tbody></table>"
        return Page.document(title: "Model \(model.name)", mode: .served, body: body)
    }
}
