@testable import OutputMetrics
import Testing

/// The points of `text` fed in one chunk (or cut at `cuts`).
func points(_ text: String, patterns: [String] = [], cuts: [Int] = []) throws -> [ParsedPoint] {
    var splitter = LineSplitter()
    var extractor = MetricExtractor(patterns: try patterns.map { try MetricPattern($0) })
    var points: [ParsedPoint] = []
    let bytes = Array(text.utf8)
    var start = 0
    for cut in cuts + [bytes.count] {
        bytes[start..<cut].withUnsafeBufferPointer { chunk in splitter.feed(chunk) { extractor.consume($0, into: &points) } }
        start = cut
    }
    splitter.finish { extractor.consume($0, into: &points) }
    return points
}

func p(_ key: String, _ step: Int, _ value: Double) -> ParsedPoint { ParsedPoint(key: key, step: step, value: value) }

@Suite struct OutputMetricsTests {
    @Test func seedLinesAndTheFinalTestAccuracy() throws {
        let output = """
            step: 1, loss: 560.782349, accuracy: 0.433594
            step: 100, loss: 90.5, accuracy: 0.87
            Test Accuracy: 0.936800
            Model prediction: 7
            """
        #expect(try points(output) == [
            p("loss", 1, 560.782349), p("accuracy", 1, 0.433594), p("loss", 100, 90.5), p("accuracy", 100, 0.87),
            p("test_accuracy", 100, 0.9368), p("model_prediction", 100, 7),
        ])
    }

    @Test func stepLessPairsGetIncreasingSteps() throws {
        #expect(try points("loss=0.5\nloss=0.25 acc=0.9\nloss=1e-3\n") == [
            p("loss", 0, 0.5), p("loss", 1, 0.25), p("acc", 1, 0.9), p("loss", 2, 0.001),
        ])
    }

    @Test func jsonLines() throws {
        let output = #"""
            {"step": 3, "loss": 0.5, "note": "a \"quoted\" {text}", "nested": {"x": 1, "y": [1, {"z": 2}]}, "ok": true}
            {"loss": -2.5E+3}
            {"step": 3.5, "loss": 1}
            {"broken": 1
            """#
        #expect(try points(output) == [p("loss", 3, 0.5), p("loss", 4, -2500), p("loss", 5, 1)])
    }

    @Test func pairsOnALineWithAStepOnlyKerasAndNoise() throws {
        let output = """
            2024-01-01 12:00:00 INFO iter=7 train/loss=0.3 top-5=0.99 lr: 1e-4
            Epoch 1/10
            1875/1875 - 3s - loss: 0.2954 - accuracy: 0.9151
            Downloading file: 50 MB
            50%|#####     | 50/100 [00:01<00:01, loss=0.3]
            speed: 95% nan: 1 loss: nan loss=inf
            """
        #expect(try points(output) == [
            p("train/loss", 7, 0.3), p("top-5", 7, 0.99), p("lr", 7, 0.0001),
            p("loss", 7, 0.2954), p("accuracy", 7, 0.9151),
        ])
    }

    @Test func userPatterns() throws {
        let output = "epoch 4 | lr=0.01\nmetric val_loss is 0.25 at 9\n"
        let found = try points(output, patterns: [
            #"epoch (?P<step>\d+) \| lr=(?P<lr>[0-9.]+)"#, #"metric (?<key>\w+) is (?<value>[0-9.]+) at (?<step>\d+)"#,
        ])
        #expect(found.contains(p("lr", 4, 0.01)))
        #expect(found.contains(p("val_loss", 9, 0.25)))
    }

    @Test func badPatternsAreRefusedWithOneLine() {
        #expect(throws: MetricPatternError.self) { try MetricPattern("(unclosed") }
        #expect(throws: MetricPatternError.noMetricGroup(pattern: #"loss=\d+"#)) { try MetricPattern(#"loss=\d+"#) }
        #expect(throws: MetricPatternError.keyWithoutValue(pattern: #"(?P<key>\w+)"#)) { try MetricPattern(#"(?P<key>\w+)"#) }
        do {
            _ = try MetricPattern("(unclosed")
        } catch {
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func chunkBoundariesDoNotMatterAndCarriageReturnsEndLines() throws {
        let output = "step: 1, loss: 2.5\r\nstep: 2, loss: 1.5\rstep: 3, loss: 0.5"
        let whole = try points(output)
        #expect(whole == [p("loss", 1, 2.5), p("loss", 2, 1.5), p("loss", 3, 0.5)])
        for cut in 0...output.utf8.count {
            #expect(try points(output, cuts: [cut]) == whole)
        }
    }

    @Test func overlongLinesAndBinaryGarbageAreDropped() throws {
        let long = String(repeating: "x", count: 1_048_576)
        var garbage = ""
        for byte in 0..<256 { garbage.unicodeScalars.append(Unicode.Scalar(UInt8(byte))) }
        let output = "loss=1\n\(long) loss=9\n\(garbage)\nloss=2\n"
        #expect(try points(output, cuts: [10, 500_000]) == [p("loss", 0, 1), p("loss", 1, 2)])
    }

    @Test func decimalsReadAsTheStandardLibraryReadsThem() {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "1e22", "1e23", "9007199254740993", "0.1", "123456789012345678901234", "1.7976931348623157e308",
                     "4.9e-324", "2.2250738585072014e-308", "-.5", "+3.25", "1e-22", "1.5E+3", "0000.000100"]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...20, using: &generator)
            var text = Bool.random(using: &generator) ? "-" : ""
            for index in 0..<digits {
                text += String(Int.random(in: 0...9, using: &generator))
                if index == Int.random(in: 0..<digits, using: &generator) && !text.contains(".") { text += "." }
            }
            if Bool.random(using: &generator) { text += "e\(Int.random(in: -30...30, using: &generator))" }
            texts.append(text)
        }
        for text in texts {
            let expected = Double(text)
            let parsed = Array(text.utf8).withUnsafeBufferPointer { DecimalParser.value($0) }
            #expect(parsed?.bitPattern == expected?.bitPattern, "\(text)")
        }
    }

    @Test func distinctKeysAreBounded() throws {
        let output = (0..<(MetricExtractor.maxKeys + 50)).map { "k\($0)=1 step=1" }.joined(separator: "\n")
        #expect(Set(try points(output).map(\.key)).count == MetricExtractor.maxKeys - 1)  // `step` is one of them
    }
}
