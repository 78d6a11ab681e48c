import Foundation
import Testing
@testable import Store
import RunQuery
@testable import WebPages
@testable import WebServer

@Suite struct WebPagesTests {
    @Test func downsamplingKeepsEverySpikeAndBoundsThePoints() {
        var points = (0..<100_000).map { (x: Double($0), y: 1.0 + Double($0 % 7) * 0.01) }
        points[31_337].y = 50
        points[77_777].y = -20
        let drawn = Downsample.minMax(points, columns: 680, xRange: 0...99_999)
        #expect(drawn.count <= 4 * 680)
        #expect(drawn.contains { $0.y == 50 } && drawn.contains { $0.y == -20 })
        #expect(drawn.first?.x == 0 && drawn.last?.x == 99_999)
        #expect(zip(drawn, drawn.dropFirst()).allSatisfy { $0.x < $1.x })
        #expect(Downsample.minMax(Array(points.prefix(100)), columns: 680, xRange: 0...99).count == 100)
    }

    @Test func chartsHaveAxesLegendAndOnePathPerSeries() {
        let series = (0..<3).map { index -> Chart.Series in
            let points: [(x: Double, y: Double)] = (1...30).map { step -> (x: Double, y: Double) in
                (x: Double(step * 100), y: Double(index) + 1 / Double(step))
            }
            return Chart.Series(label: "run <\(index)>", points: points, style: Palette.style(index))
        }
        let svg = Chart(title: "loss by step", series: series).svg()
        #expect(svg.components(separatedBy: "<path class=\"series\"").count - 1 == 3)
        #expect(svg.contains("run &lt;1&gt;") && !svg.contains("run <1>"))
        #expect(svg.contains("class=\"tick\"") && svg.contains(">3000<") && svg.contains("data-x1="))
        #expect(Chart.ticks(0...1, count: 5).count == 6 && Chart.ticks(0...3000, count: 8).contains(3000))
        #expect(Chart(title: "empty", series: []).svg().contains("no points yet"))
    }

    @Test func pixelCoordinatesAreWrittenAsTheFormatterWritesThem() {
        let values = stride(from: -1_000.0, through: 1_000.0, by: 0.0371).map { $0 } + [0, 1, 759.96, 64.04, 123_456.78]
        var compared = 0
        for value in values {
            // An exact half may round either way in the last bit, and -0.0 prints as 0.0: both are left out.
            let tenths = abs(value * 10)
            if abs(tenths - tenths.rounded(.down) - 0.5) < 1e-6 || (value < 0 && value > -0.05) { continue }
            #expect(Chart.pixel(value) == String(format: "%.1f", value), "\(value)")
            compared += 1
        }
        #expect(compared > 50_000)
        #expect(Chart.pixel(.infinity) == String(format: "%.1f", Double.infinity))
    }

    @Test func runPageCurvesHoldEveryPointAndDrawTheSpike() throws {
        try withStore { store, _ in
            let run = try store.createRun(NewRun(name: "long", targetSteps: 5_000))
            let samples = (1...5_000).map { MetricSample(key: "loss", step: $0, value: $0 == 4_321 ? 1e6 : 1 / Double($0), wallTime: Date()) }
            try store.logMetrics(runID: run.id, samples: samples)
            let page = try RunPage.load(try Store(readingOnly: store.path), id: run.id, predictions: nil)
            #expect(page.metrics.map(\.key) == ["loss"])
            #expect(page.metrics[0].points.map(\.step) == Array(1...5_000))
            #expect(try page.metrics[0].points.map(\.value) == store.metricHistory(runID: run.id, key: "loss").map(\.value))
            let html = page.html()
            #expect(html.contains("loss (5000 points)"))
            #expect(html.contains("L651.6 38.5"))  // step 4321's spike, at the top of the plot after downsampling
        }
    }

    @Test func aTrackedRunShowsItsCommandArtifactsAndTheEndOfItsOutput() throws {
        try withStore { store, _ in
            let run = try store.createRun(NewRun(
                name: "tracked", targetSteps: 0, command: ["python3", "train.py", "--lr", "<0.1>"], workingDirectory: "/work/x"))
            try store.setGitState(runID: run.id, commit: String(repeating: "ab", count: 20), isDirty: true)
            var output = (0..<2000).map { "line \($0) loss=\(1.0 / Double($0 + 1))\n" }.joined()
            output += "\u{1B}[31mred <b>bold</b>\u{1B}[0m\r50%|#####\rdone\n"
            try store.appendOutput(runID: run.id, bytes: Array(output.utf8))
            try store.saveArtifact(runID: run.id, name: "out/model.safetensors", data: Data([1, 2, 3]))
            try store.finishRun(runID: run.id, status: .failed, exitCode: 3)
            let html = try RunPage.load(try Store(readingOnly: store.path), id: run.id, predictions: nil).html()
            #expect(html.contains("<code>python3 train.py --lr &lt;0.1&gt;</code>"))
            #expect(html.contains("<code>abababababab</code> (uncommitted changes)"))
            #expect(html.contains("<th>exit status</th><td>3</td>"))
            #expect(html.contains("out/model.safetensors"))
            #expect(html.contains("red &lt;b&gt;bold&lt;/b&gt;\n50%|#####\ndone"), "colours stripped, escaped, carriage returns as lines")
            #expect(!html.contains("\u{1B}"))
            #expect(html.contains("line 1999 loss=") && !html.contains("line 0 loss="), "only the end of a long output")
            #expect(html.contains("all of it: nnreg logs \(run.id)"))
        }
    }

    @Test func runsPageRowsShowTheirLatestFiguresWhetherOrNotTheFilterNamesThem() throws {
        try withStore { store, _ in
            for index in 0..<5 {
                let run = try store.createRun(NewRun(name: "r\(index)", targetSteps: 10, params: ["batch_size": .int(index % 2 == 0 ? 256 : 128)]))
                try store.logMetrics(runID: run.id, step: 2, values: [("loss", Double(index)), ("accuracy", 0.5)])
                try store.logMetrics(runID: run.id, step: 1, values: [("loss", 99.0)])
            }
            let reader = try Store(readingOnly: store.path)
            let listed = Dictionary(uniqueKeysWithValues: try reader.listRuns().map { ($0.id, $0) })
            for (filter, count) in [("batch_size = 256", 3), ("loss < 3", 3), ("", 5)] {
                let page = try RunsPage.load(reader, .init(filter: filter))
                #expect(page.runs.count == count, "\(filter)")
                for run in page.runs {
                    #expect(run.loss != nil && run.loss == listed[run.id]?.loss && run.accuracy == 0.5, "\(filter)")
                }
                #expect(page.html().contains(">0.5000<"))
            }
        }
    }

    /// The runs page of one experiment (`/?experiment=ID`): its runs only, whether SQL filters them
    /// or Swift does (a name), with the switch above listing every experiment with the runs it
    /// shows, the chosen one marked, links keeping the filter; an unknown id is a message.
    @Test func theRunsPageShowsOneExperimentAndSwitchesBetweenThem() throws {
        try withStore { store, _ in
            #expect(try RunsPage.load(store, .init()).html().contains("class=\"experiments\"") == false)  // Default alone: no switch
            let grid = try store.createExperiment(name: "grid <1>")
            var ids: [Int64: [Int64]] = [0: [], grid.id: []]
            for index in 0..<9 {
                var newRun = NewRun(name: "r\(index)", targetSteps: 10, params: ["batch_size": .int(index % 2 == 0 ? 256 : 128)])
                newRun.experimentID = index % 3 == 0 ? 0 : grid.id
                let run = try store.createRun(newRun)
                try store.logMetrics(runID: run.id, step: 1, values: [("loss", Double(index))])
                ids[newRun.experimentID, default: []].insert(run.id, at: 0)
            }
            let reader = try Store(readingOnly: store.path)
            let chosen = try RunsPage.load(reader, .init(experimentID: grid.id))
            #expect(chosen.runs.map(\.id) == ids[grid.id] && chosen.total == 6 && chosen.errorMessage == nil)
            #expect(try RunsPage.load(reader, .init(experimentID: 0)).runs.map(\.id) == ids[0])
            #expect(try RunsPage.load(reader, .init()).total == 9)
            // Filtered in SQL (a param) and in Swift (a name), within the experiment either way.
            #expect(try RunQuery(where: "batch_size = 256").page(in: reader, offset: 0, limit: 50, experimentID: grid.id)?.total == 3)
            let inSQL = try RunsPage.load(reader, .init(filter: "batch_size = 256", experimentID: grid.id))
            #expect(Set(inSQL.runs.map(\.id)) == Set(ids[grid.id]!).intersection(try reader.listRuns().filter { $0.params["batch_size"] == .int(256) }.map(\.id)))
            let inSwift = try RunsPage.load(reader, .init(filter: "name = 'r1' or name = 'r3'", experimentID: grid.id))
            #expect(inSwift.runs.map(\.name) == ["r1"] && inSwift.total == 1)

            let html = chosen.html()
            #expect(html.contains("<nav class=\"experiments\" aria-label=\"experiments\">"))
            #expect(html.contains("<a href=\"/?sort=id&amp;dir=desc&amp;page=1\">all <span class=\"meta\">9</span></a>"))
            #expect(html.contains("<a href=\"/?experiment=0&amp;sort=id&amp;dir=desc&amp;page=1\">Default <span class=\"meta\">3</span></a>"))
            #expect(html.contains("<a href=\"/?experiment=\(grid.id)&amp;sort=id&amp;dir=desc&amp;page=1\" aria-current=\"page\">grid &lt;1&gt; <span class=\"meta\">6</span></a>"))
            #expect(html.contains("<input type=\"hidden\" name=\"experiment\" value=\"\(grid.id)\">"))
            #expect(!html.contains("<script src=\"http") && !html.contains("href=\"http"))
            let filtered = try RunsPage.load(reader, .init(filter: "loss > 2", sortField: "loss", experimentID: grid.id)).html()
            #expect(filtered.contains("href=\"/?experiment=0&amp;where=loss%20%3E%202&amp;sort=loss&amp;dir=desc&amp;page=1\""))
            // A deleted experiment leaves the switch and "all" with its runs, unless it is the one chosen.
            try store.deleteExperiment(id: grid.id)
            let after = try Store(readingOnly: store.path)
            #expect(try RunsPage.load(after, .init()).total == 3)
            let deleted = try RunsPage.load(after, .init(experimentID: grid.id))
            #expect(deleted.total == 6 && deleted.html().contains("grid &lt;1&gt; (deleted)"))
            #expect(!(try RunsPage.load(after, .init()).html().contains("grid &lt;1&gt;")))
            let unknown = try RunsPage.load(after, .init(experimentID: 4242))
            #expect(unknown.runs.isEmpty && unknown.errorMessage == "No experiment 4242.")
        }
    }

    @Test func fiftyCurvesGetFiftyStyles() {
        #expect(Set((0..<50).map { "\(Palette.style($0))" }).count == 50)
        #expect((0..<49).allSatisfy { Palette.style($0).dash != Palette.style($0 + 1).dash })
    }

    @Test func queryStringsDecodeAsFormsSendThem() {
        let query = QueryString("where=test_accuracy+%3E+0.9&run=1&run=2&bad=%zz&empty")
        #expect(query["where"] == "test_accuracy > 0.9")
        #expect(query.all("run") == ["1", "2"])
        #expect(query["bad"] == "%zz" && query["empty"] == "" && query["missing"] == nil)
    }

    @Test func traversalInAnySpellingIsCaught() {
        for path in ["/../etc/passwd", "/%2e%2e/x", "/%2E%2E%2Fetc", "/static/%252e%252e/x", "/a/..", "/a\\b"] {
            #expect(SafetyMiddleware.isTraversal(path), "\(path)")
        }
        for path in ["/", "/runs/1", "/models/mnist-mlp.v2", "/compare"] { #expect(!SafetyMiddleware.isTraversal(path), "\(path)") }
    }

    @Test func pagesEscapeHostileNamesAndShowFilterErrorsWithTheColumn() throws {
        try withStore { store, _ in
            let run = try store.createRun(NewRun(name: "<script>alert(1)</script>", targetSteps: 10, params: ["lr\"": .real(0.1)],
                                                 tags: ["q": "\"><img src=x onerror=alert(1)>"]))
            try store.logMetrics(runID: run.id, step: 5, values: [("loss", 2)])
            try store.saveCheckpoint(runID: run.id, step: 0, weights: Data([1, 2]), trainerState: Data())
            try store.registerModelVersion(name: "m", runID: run.id, step: 0, description: "<b>bold</b>")
            let reader = try Store(readingOnly: store.path)
            for html in [try RunsPage.load(reader, .init()).html(), try RunPage.load(reader, id: run.id, predictions: nil).html(),
                         try ComparePage.load(reader, ids: [run.id]).html(), try ModelPage.load(reader, name: "m").html()] {
                #expect(!html.contains("<script>alert") && !html.contains("<img src=x") && !html.contains("<b>bold"))
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || html.contains("&lt;b&gt;bold"))
            }
            let bad = try RunsPage.load(reader, .init(filter: "loss >"))
            #expect(bad.errorMessage?.contains("column") == true && bad.runs.isEmpty)
            #expect(bad.html().contains("id=\"filter-error\""))
            #expect(try RunsPage.load(reader, .init(filter: "nosuch > 1")).errorMessage?.contains("unknown field 'nosuch'") == true)
            #expect(RunsPage.Request(page: -5, perPage: 100_000).perPage == RunsPage.Request.maxPerPage)
        }
    }

    @Test func pagesPaginateAndSort() throws {
        try withStore { store, _ in
            for index in 0..<7 {
                let run = try store.createRun(NewRun(name: "r\(index)", targetSteps: 10))
                try store.logMetrics(runID: run.id, step: 1, values: [("loss", Double(10 - index))])
            }
            let reader = try Store(readingOnly: store.path)
            let page = try RunsPage.load(reader, .init(sortField: "loss", isDescending: false, page: 2, perPage: 3))
            #expect(page.total == 7 && page.runs.map(\.name) == ["r3", "r2", "r1"])
            #expect(page.html().contains("page 2 of 3") && page.html().contains("rel=\"next\""))
        }
    }

    @Test func sortingPutsRunsWithoutTheFieldLastAndBreaksTiesNewestFirst() throws {
        try withStore { store, _ in
            let losses: [Double?] = [3, nil, 1, 3, nil, 2]
            for (index, loss) in losses.enumerated() {
                let run = try store.createRun(NewRun(name: ["b", "a", "c", "a", "d", "b"][index] + "\(index)", targetSteps: 10))
                if let loss { try store.logMetrics(runID: run.id, step: 1, values: [("loss", loss)]) }
            }
            let reader = try Store(readingOnly: store.path)
            func names(_ field: String, descending: Bool) throws -> [String] {
                try RunsPage.load(reader, .init(sortField: field, isDescending: descending)).runs.map(\.name)
            }
            #expect(try names("loss", descending: false) == ["c2", "b5", "a3", "b0", "d4", "a1"])
            #expect(try names("loss", descending: true) == ["a3", "b0", "b5", "c2", "d4", "a1"])
            #expect(try names("name", descending: false) == ["a1", "a3", "b0", "b5", "c2", "d4"])
            #expect(try names("test_accuracy", descending: true) == ["b5", "d4", "a3", "c2", "a1", "b0"])
        }
    }

    /// The runs page filters and counts in SQL when it can: over every filter and sort below, each
    /// page it reads that way holds the runs, in the order, that the Swift filter over listed runs gives.
    @Test func filteringInSQLGivesWhatTheSwiftFilterGives() throws {
        try withStore { store, _ in
            for index in 0..<40 {
                var params: [String: ParamValue] = ["lr": .real([0.001, 0.01, 0.1][index % 3]), "width": .int(Int64(index % 5) * 64)]
                if index % 4 != 3 { params["batch_size"] = .int([128, 256][index % 2]) }
                params["seed"] = .int((1 << 53) + Int64(index % 3))  // 2^53 + 1 reads as 2^53 in a Double
                params["optimizer"] = .text(index % 2 == 0 ? "sgd" : "adam")
                if index == 7 { params["width"] = .text("wide") }
                let run = try store.createRun(NewRun(name: "r\(index)", targetSteps: 100, params: params))
                if index % 6 != 5 { try store.logMetrics(runID: run.id, step: 10, values: [("loss", Double(index % 9) / 10), ("accuracy", Double(index % 4) / 4)]) }
                if index % 3 == 0 {
                    try store.saveCheckpoint(runID: run.id, step: 10, weights: Data(count: 8), trainerState: Data())
                    try store.addEvaluation(NewEvaluation(runID: run.id, step: 10, datasetName: "d", datasetSHA256: String(repeating: "0", count: 64),
                                                          split: "test", accuracy: Double(index % 7) / 7))
                } else if index % 3 == 1 {
                    try store.logMetrics(runID: run.id, step: 10, values: [("test_accuracy", Double(index % 5) / 5)])
                }
                try store.updateRun(runID: run.id, stepsDone: index)
            }
            try store.deleteRuns(ids: [4, 9])
            let reader = try Store(readingOnly: store.path)
            let listed = try reader.listRuns()
            let filters = [
                "", "batch_size = 256", "batch_size = '256'", "not batch_size = 256", "batch_size >= 256 or lr < 0.005",
                "test_accuracy > 0.3 and not (loss < 0.3)", "seed = 9007199254740993", "steps_done > 10 and steps_done <= 30",
                "id <= 20 and accuracy != 0.5", "not (test_accuracy >= 0 or loss >= 0)", "target_steps = 100 and lr = 0.01",
            ]
            var pagesInSQL = 0
            for filter in filters {
                for sort in ["id desc", "id asc", "test_accuracy desc", "test_accuracy asc", "batch_size asc", "loss desc", "lr desc", "accuracy asc"] {
                    let query = try RunQuery(where: filter, sort: sort)
                    let expected = try query.apply(to: listed).map(\.id)
                    for offset in stride(from: 0, through: expected.count + 7, by: 7) {
                        let page = try #require(try query.page(in: reader, offset: offset, limit: 7), "\(filter) by \(sort)")
                        #expect(page.total == expected.count && page.ids == Array(expected.dropFirst(offset).prefix(7)), "\(filter) by \(sort)")
                        pagesInSQL += 1
                    }
                }
            }
            #expect(pagesInSQL > 200)
            // Text compares by its spelling, an unknown field is an error, a name is text: the Swift filter decides those.
            for (filter, sort) in [("width > 100", "id"), ("optimizer = 'sgd'", "id"), ("id > 3", "width"), ("nothing = 1", "id"),
                                   ("name = 'r3'", "id"), ("tag.x = 1", "id"), ("loss > 0", "duration"), ("loss < 'inf'", "id")] {
                #expect(try RunQuery(where: filter, sort: sort).page(in: reader, offset: 0, limit: 10) == nil, "\(filter) by \(sort)")
            }
            let page = try RunsPage.load(reader, .init(filter: "batch_size = 256", sortField: "loss", isDescending: true, perPage: 5))
            #expect(page.total == (try RunQuery(where: "batch_size = 256").apply(to: listed).count) && page.runs.count == 5)
            #expect(page.runs.map(\.loss) == page.runs.map(\.loss).sorted { ($0 ?? -1) > ($1 ?? -1) })
        }
    }

    @Test func theReadOnlyStoreWritesNothingAndRefusesNewerOrOlderStores() throws {
        try withStore { store, path in
            let run = try store.createRun(NewRun(name: "alive", targetSteps: 10))
            // A running run whose process is gone shows as crashed, without the store being written.
            try store.database.execute(sql: "UPDATE runs SET pid = 999999999 WHERE id = \(run.id)")
            try store.database.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let reader = try Store(readingOnly: path)
            #expect(try reader.listRuns().first?.status == .crashed)
            #expect(try RunPage.load(reader, id: run.id, predictions: nil).run.status == .crashed)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            #expect(try store.run(id: run.id).status == .running)
            #expect(throws: SQLiteError.self) { try reader.database.execute(sql: "DELETE FROM runs") }

            try store.database.execute(sql: "INSERT INTO schema_migrations VALUES ('9999_future', 'later')")
            #expect(throws: StoreError.databaseIsNewer(path: path, unknownMigrations: ["9999_future"])) { try Store(readingOnly: path) }
            try store.database.execute(sql: "DELETE FROM schema_migrations WHERE id >= '0002'")
            let error = try #require(throws: StoreError.self) { try Store(readingOnly: path) }
            #expect(error.description.contains("older nnreg"))
            #expect(throws: StoreError.noStore(path: path + ".missing")) { try Store(readingOnly: path + ".missing") }
        }
    }

    func withStore(_ body: (Store, String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-web-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try body(try Store(path: folder + "/web.sqlite"), folder + "/web.sqlite")
    }
}
