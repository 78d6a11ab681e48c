import Foundation
import FuzzHarness
import MLflowWire
import RunFilter

// libFuzzer target for what an MLflow API call's text goes through before it reaches the Store:
// the JSON body, its fields read as the endpoints read them, and the two search-filter grammars.
// FuzzHarness says how it runs; `--write-seeds DIR` writes the seed corpus.
//
// Input: byte 0 picks the reader, the rest is its input.
// 0: a request body. Whatever parses is written back and must parse to the same value (every
//    number's text, every string, every member in its order), and each metric value must survive
//    the writer's double formatting bit for bit.
// 1: a `runs/search` filter as the first line, then each further line as an `order_by` clause.
// 2: a small-search filter, matched against a thing with a tag.

func fuzzOne(_ bytes: [UInt8]) -> (any Error)? {
    guard let mode = bytes.first else { return nil }
    let input = Array(bytes.dropFirst())
    switch mode % 3 {
    case 0:
        let value: JSONValue
        do { value = try JSONReader.parse(input) } catch { return error }
        var writer = JSONWriter()
        writer.value(value)
        let again = try? JSONReader.parse(writer.bytes)
        precondition(again == value, "written back differently: \(String(decoding: writer.bytes.prefix(200), as: UTF8.self))")
        do {
            let request = try MLflowRequest(body: input, query: [("run_id", "a"), ("run_id", "b")])
            _ = try? request.strings("run_id")
            _ = try? request.keyValues("params")
            _ = try? request.keyValues("tags")
            _ = try? request.optionalInt64("max_results")
            _ = try? request.double("value")
            for point in (try? request.metricPoints("metrics")) ?? [] {
                var number = JSONWriter()
                number.double(point.value)
                guard case .number(let text)? = try? JSONReader.parse(number.bytes) else {
                    precondition(!point.value.isFinite, "\(point.value) was not written as a number")
                    continue
                }
                precondition(text.double?.bitPattern == point.value.bitPattern, "\(point.value) came back as \(text)")
            }
        } catch {
            return error
        }
    case 1:
        let lines = String(decoding: input, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        do {
            _ = try SearchFilter.parse(lines[0])
            _ = try SearchFilter.parseOrder(Array(lines.dropFirst()))
        } catch {
            return error
        }
    default:
        do {
            let filter = try TermFilter(
                String(decoding: input, as: UTF8.self), attributes: ["name": .textOrList, "creation_time": .number])
            _ = filter.matches({ $0 == "name" ? .text("digits") : $0 == "creation_time" ? .number(1.7e12) : nil }, tags: ["k": "v"])
        } catch {
            return error
        }
    }
    return nil
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    let bodies = [
        ("batch", #"{"run_id":"3f2a","metrics":[{"key":"loss","value":0.14285714285714285,"timestamp":"1700000000000","step":"3"},"#
            + #"{"key":"acc","value":"NaN","timestamp":1700000000000},{"key":"x","value":"-Infinity","step":-1},"#
            + #"{"key":"y","value":5e-324,"step":9223372036854775807}],"params":[{"key":"lr","value":"0.1"}],"#
            + #""tags":[{"key":"mlflow.runName","value":"\u00e9t\u00e9 \ud83d\ude00\n"}]}"#),
        ("inputs", #"{"run_id":"a","datasets":[{"dataset":{"name":"d","digest":"12","source_type":"local","source":"{}"},"#
            + #""tags":[{"key":"mlflow.data.context","value":"train"}]}]}"#),
        ("nested", #"{"a":[[[{"b":[true,false,null,-0.0,1E+2,"\\\"\/"]}]]],"a":{}}"#),
    ]
    let filters = [
        "metrics.loss < 0.5 and params.lr = '0.1' AND tags.`mlflow.runName` LIKE 'ex%'\nmetrics.loss DESC\nattributes.start_time",
        "attributes.run_id IN ('a', \"b\") and run_name ILIKE '%x_' and params.`a b` IS NOT NULL\nparams.lr ASC",
        "datasets.name = 'mnist' AND datasets.context IN ('train')\nstart_time",
    ]
    let terms = ["name = 'digits' AND tags.k != 'w'", "name IN ('a', 'digits') and creation_time >= 17", "tags.`a.b` LIKE '%v%'"]
    return bodies.map { ($0.0, [0] + Array($0.1.utf8)) }
        + filters.enumerated().map { ("filter\($0.offset)", [1] + Array($0.element.utf8)) }
        + terms.enumerated().map { ("terms\($0.offset)", [2] + Array($0.element.utf8)) }
}

@main
enum Main {
    static func main() throws { try FuzzHarness.run(fuzzOne, seeds: seeds) }
}
