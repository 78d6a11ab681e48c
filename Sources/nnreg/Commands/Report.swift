import ArgumentParser
import Foundation
import Store
import WebPages

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write runs' pages (one run, or a comparison followed by each run) as one self-contained HTML file.",
        discussion: "Inline CSS, SVG, images and script; the file makes no requests of any kind, so it opens offline and can be mailed.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Runs (id or name) or model versions (MODEL@ALIAS, MODEL:vN).") var references: [String]
    @Option(name: .shortAndLong, help: ArgumentHelp("The HTML file to write.", valueName: "file")) var output: String
    @Option(help: "Test images drawn with their predictions for each run (needs --data).") var images = 24

    func validate() throws {
        guard !references.isEmpty else { throw ValidationError("Name at least one run.") }
        guard references.count <= ComparePage.maxRuns else { throw ValidationError("A report holds at most \(ComparePage.maxRuns) runs.") }
        for reference in references { try ReferenceSyntax.validate(reference) }
        guard !output.isEmpty else { throw ValidationError("-o needs a file name.") }
        guard (0...200).contains(images) else { throw ValidationError("--images must be in 0…200.") }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        var ids: [Int64] = []
        for reference in references {
            let id = try store.existingReference(reference).run.id
            if !ids.contains(id) { ids.append(id) }
        }
        let predictions = images > 0 && FileManager.default.fileExists(atPath: global.data)
            ? WebPredictions(directory: global.data, count: images).provider : nil
        let mode = PageMode.report(runIDs: Set(ids))
        let pages = try ids.map { try RunPage.load(store, id: $0, predictions: predictions) }
        var body = ""
        if ids.count > 1 { body += try ComparePage.load(store, ids: ids).section(mode: mode) }
        for page in pages { body += page.section(mode: mode) }
        let title = ids.count == 1 ? pages[0].run.name : "\(ids.count) runs"
        let html = Page.document(title: title, mode: mode, body: body)
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CLIError("cannot write '\(output)': \(error.localizedDescription)")
        }
        print("Wrote \(output) (\(Formatting.bytes(html.utf8.count)), \(ids.count) run\(ids.count == 1 ? "" : "s"), self-contained)")
    }
}
