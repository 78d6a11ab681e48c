import MLflowWire
import RunFilter
import Testing

/// Expectations checked against MLflow 3.18's `SearchUtils.parse_search_filter` and
/// `parse_order_by_for_search_runs`, plus the comparator checks of its SQL store.
@Suite struct SearchFilterTests {
    typealias C = RunSearch.Condition

    private func parse(_ filter: String) throws -> [C] { try SearchFilter.parse(filter) }

    private func refusal(_ filter: String) -> String? {
        do {
            _ = try SearchFilter.parse(filter)
            return nil
        } catch {
            return error.description
        }
    }

    private func orderRefusal(_ orderBy: [String]) -> String? {
        do {
            _ = try SearchFilter.parseOrder(orderBy)
            return nil
        } catch {
            return error.description
        }
    }

    // MARK: Filters MLflow accepts

    @Test(arguments: ["", " ", "\t\n "])
    func blankFilterHasNoConditions(_ filter: String) throws {
        #expect(try parse(filter) == [])
    }

    @Test(arguments: [
        ("metrics.acc > 0.9", C(.metric("acc"), .greater, .number(0.9))),
        ("metric.acc >= -1", C(.metric("acc"), .greaterOrEqual, .number(-1))),
        ("metrics.acc < 1e5", C(.metric("acc"), .less, .number(100_000))),
        ("metrics.acc <= 1E-3", C(.metric("acc"), .lessOrEqual, .number(0.001))),
        ("metrics.acc = .5", C(.metric("acc"), .equal, .number(0.5))),
        ("metrics.acc != -.5", C(.metric("acc"), .notEqual, .number(-0.5))),
        ("metrics.acc > 1.", C(.metric("acc"), .greater, .number(1))),
        ("metrics.acc > 01", C(.metric("acc"), .greater, .number(1))),
        ("metrics.acc>1", C(.metric("acc"), .greater, .number(1))),
        ("metrics.acc\t>\t1", C(.metric("acc"), .greater, .number(1))),
        ("metrics.\"my metric\" < 3", C(.metric("my metric"), .less, .number(3))),
        ("metrics.`my metric` < 3", C(.metric("my metric"), .less, .number(3))),
        ("`metrics`.acc < 3", C(.metric("acc"), .less, .number(3))),
        ("metrics.a5 > 1", C(.metric("a5"), .greater, .number(1))),
        ("metrics.Ä > 1", C(.metric("Ä"), .greater, .number(1))),
    ])
    func metricTerms(_ filter: String, _ expected: C) throws {
        #expect(try parse(filter) == [expected])
    }

    @Test(arguments: [
        ("params.lr = '0.1'", C(.param("lr"), .equal, .text("0.1"))),
        ("params.lr = \"0.1\"", C(.param("lr"), .equal, .text("0.1"))),
        ("param.lr != 'x'", C(.param("lr"), .notEqual, .text("x"))),
        ("parameter.lr LIKE '%x'", C(.param("lr"), .like, .text("%x"))),
        ("parameters.lr like '%x'", C(.param("lr"), .like, .text("%x"))),
        ("params.lr ilike '%X_'", C(.param("lr"), .ilike, .text("%X_"))),
        ("params.lr IS NULL", C(.param("lr"), .isNull, .none)),
        ("params.lr is not null", C(.param("lr"), .isNotNull, .none)),
        ("params.x='y'", C(.param("x"), .equal, .text("y"))),
        ("params.select = 'x'", C(.param("select"), .equal, .text("x"))),
        ("params._a = 'x'", C(.param("_a"), .equal, .text("x"))),
        ("params.`a.b.c` = 'x'", C(.param("a.b.c"), .equal, .text("x"))),
        ("tags.a = ''", C(.tag("a"), .equal, .text(""))),
        ("tags.a = \"\"", C(.tag("a"), .equal, .text(""))),
        ("tag.a = 'x'", C(.tag("a"), .equal, .text("x"))),
        ("tags.mlflow.runName = 'x'", C(.tag("mlflow.runName"), .equal, .text("x"))),
        ("tags.`mlflow.runName` = 'x'", C(.tag("mlflow.runName"), .equal, .text("x"))),
        ("tags.\"mlflow.runName\" = 'x'", C(.tag("mlflow.runName"), .equal, .text("x"))),
        ("tags.\"a b\" = 'c'", C(.tag("a b"), .equal, .text("c"))),
        ("tags.a.`b c` = 'x'", C(.tag("a.`b c`"), .equal, .text("x"))),
        ("tags.a IS NULL", C(.tag("a"), .isNull, .none)),
        // MLflow keeps a quoted value verbatim between its quotes: no unescaping.
        ("params.a = 'it''s'", C(.param("a"), .equal, .text("it''s"))),
        ("params.a = 'it\\'s'", C(.param("a"), .equal, .text("it\\'s"))),
        ("params.a = \"it\"\"s\"", C(.param("a"), .equal, .text("it\"\"s"))),
        ("params.a = '\\'", C(.param("a"), .equal, .text("\\"))),
        ("params.a = 'x\ny'", C(.param("a"), .equal, .text("x\ny"))),
    ])
    func paramAndTagTerms(_ filter: String, _ expected: C) throws {
        #expect(try parse(filter) == [expected])
    }

    @Test(arguments: [
        ("attributes.status = 'FINISHED'", C(.attribute(.status), .equal, .text("FINISHED"))),
        ("attribute.status != 'x'", C(.attribute(.status), .notEqual, .text("x"))),
        ("status LIKE 'F%'", C(.attribute(.status), .like, .text("F%"))),
        ("status ILIKE 'f%'", C(.attribute(.status), .ilike, .text("f%"))),
        ("run_id = 'abc'", C(.attribute(.runID), .equal, .text("abc"))),
        ("user_id = 'x'", C(.attribute(.userID), .equal, .text("x"))),
        ("artifact_uri LIKE 's3%'", C(.attribute(.artifactURI), .like, .text("s3%"))),
        ("run_name = 'x'", C(.attribute(.runName), .equal, .text("x"))),
        ("attributes.run_name = \"x\"", C(.attribute(.runName), .equal, .text("x"))),
        ("\"run name\" = 'x'", C(.attribute(.runName), .equal, .text("x"))),
        ("`run name` = 'x'", C(.attribute(.runName), .equal, .text("x"))),
        ("attributes.`Run name` = 'x'", C(.attribute(.runName), .equal, .text("x"))),
        ("attributes.`Run Name` = 'x'", C(.attribute(.runName), .equal, .text("x"))),
        ("start_time > 0", C(.attribute(.startTime), .greater, .number(0))),
        ("start_time = 1.5", C(.attribute(.startTime), .equal, .number(1.5))),
        ("start_time > 1e3", C(.attribute(.startTime), .greater, .number(1000))),
        ("end_time <= 5.5", C(.attribute(.endTime), .lessOrEqual, .number(5.5))),
        ("created > 100", C(.attribute(.startTime), .greater, .number(100))),
        ("Created > 100", C(.attribute(.startTime), .greater, .number(100))),
        ("attributes.created > 100", C(.attribute(.startTime), .greater, .number(100))),
        ("run.start_time > 5", C(.attribute(.startTime), .greater, .number(5))),
        ("attr.end_time != 5", C(.attribute(.endTime), .notEqual, .number(5))),
    ])
    func attributeTerms(_ filter: String, _ expected: C) throws {
        #expect(try parse(filter) == [expected])
    }

    @Test(arguments: [
        ("attributes.run_id IN ('a', 'b')", C(.attribute(.runID), .isIn, .list(["a", "b"]))),
        ("attributes.run_id in ('a')", C(.attribute(.runID), .isIn, .list(["a"]))),
        ("attributes.run_id IN('a')", C(.attribute(.runID), .isIn, .list(["a"]))),
        ("attributes.run_id NOT IN ('a', \"b\")", C(.attribute(.runID), .isNotIn, .list(["a", "b"]))),
        ("run_id not in ('a')", C(.attribute(.runID), .isNotIn, .list(["a"]))),
        ("run_id IN ('a',)", C(.attribute(.runID), .isIn, .list(["a"]))),
        ("run_id IN ('a' , )", C(.attribute(.runID), .isIn, .list(["a"]))),
        ("run_id IN ('a', 'b',)", C(.attribute(.runID), .isIn, .list(["a", "b"]))),
        ("run_id IN (\"a\", 'b' , \"c\")", C(.attribute(.runID), .isIn, .list(["a", "b", "c"]))),
        // The list is a Python literal: adjacent strings join, backslashes escape.
        ("run_id IN ('a' 'b')", C(.attribute(.runID), .isIn, .list(["ab"]))),
        ("run_id IN ('a\\'b')", C(.attribute(.runID), .isIn, .list(["a'b"]))),
        ("run_id IN ('a\\nb')", C(.attribute(.runID), .isIn, .list(["a\nb"]))),
        ("run_id IN ('x, y)')", C(.attribute(.runID), .isIn, .list(["x, y)"]))),
    ])
    func runIDLists(_ filter: String, _ expected: C) throws {
        #expect(try parse(filter) == [expected])
    }

    @Test func termsJoinedByAndInAnyCase() throws {
        let expected = [
            C(.metric("a"), .greater, .number(1)), C(.tag("t"), .equal, .text("v")), C(.param("p"), .equal, .text("q")),
        ]
        #expect(try parse("metrics.a > 1 AND tags.t = 'v' AND params.p = 'q'") == expected)
        #expect(try parse("metrics.a > 1 and tags.t = 'v' aNd params.p = 'q'") == expected)
        #expect(try parse("metrics.a > 1\nAND\ttags.t = 'v'AND params.p = 'q'") == expected)
    }

    @Test func andMayLeadTrailRepeatOrBeLeftOutAsInMLflow() throws {
        let two = [C(.metric("acc"), .greater, .number(1)), C(.metric("b"), .greater, .number(2))]
        #expect(try parse("AND metrics.acc > 1 AND AND metrics.b > 2 AND") == two)
        #expect(try parse("metrics.acc > 1 metrics.b > 2") == two)
        #expect(try parse("and") == [])
        #expect(try parse("params.a = 'x' AND params.a = 'y'").count == 2)
        #expect(try parse("start_time > 1 AND start_time < 2").count == 2)
    }

    // MARK: Filters MLflow refuses

    @Test(arguments: [
        ("metrics.acc > '1'", "Expected numeric value type for metric"),
        ("metrics.acc > NaN", "Expected numeric value type for metric. Found 'NaN'"),
        ("start_time > now", "Expected numeric value type for numeric attribute: start_time. Found 'now'"),
        ("status = FINISHED", "Parameter value is either not quoted"),
        ("metrics.acc > 1e+5", "Expected a number"),
        ("metrics.acc > +1", "Invalid clause"),
        ("metrics.acc > 0x10", "Expected a number"),
        ("metrics.acc = 1.e5", "Expected a number"),
        ("metrics.acc = 1.5.5", "Expected a number"),
        ("metrics.acc > 1e5x", "Expected a number"),
        ("metrics.acc>=1AND metrics.b<2", "Expected a number"),
        ("metrics.acc LIKE 'a'", "Invalid comparator 'LIKE' for metric 'acc'"),
        ("metrics.acc == 1", "Invalid comparator '==' for metric 'acc'. Only '=', '!=', '<', '<=', '>', '>=' are allowed."),
        ("metrics.acc <> 1", "Invalid comparator '<>'"),
        ("metrics.acc IS NULL", "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' 'acc'"),
        ("params.lr = 0.1", "Expected a quoted string value for parameter (e.g. 'my-value'). Got value '0.1'"),
        ("params.lr = abc", "Parameter value is either not quoted"),
        ("params.lr IN ('a', 'b')", "Invalid comparator 'IN' for param 'lr'"),
        ("params.a NOT LIKE 'x'", "Invalid comparator 'NOT LIKE'"),
        ("tag.a > 'x'", "Invalid comparator '>' for tag 'a'. Only '=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL' are allowed."),
        ("tags.a LIKE ('a')", "Expected a quoted string value for tag"),
        ("attributes.status IN ('A')", "Only ['run_id'] attributes support comparison with a list of quoted string values."),
        ("attributes.run_id IN ()", "expected a non-empty list of string values, but got empty list"),
        ("attributes.run_id IN (,)", "got ill-formed list"),
        ("attributes.run_id IN ('a',,)", "got ill-formed list"),
        ("attributes.run_id IN ('a'", "got ill-formed list"),
        ("attributes.run_id IN (1, 2)", "got different type in list"),
        ("attributes.run_id IN 'a'", "needs a list"),
        ("attributes.run_id = ('a', 'b')", "Use 'IN' or 'NOT IN'"),
        ("status > 'A'", "Invalid comparator '>' for attribute 'status'"),
        ("start_time LIKE 1", "Invalid comparator 'LIKE' for numeric attribute 'start_time'"),
        ("attr.start_time > '5'", "Expected numeric value type for numeric attribute: start_time"),
        ("end_time IS NULL", "IS NULL / IS NOT NULL is only supported for tags and params, not for 'attribute' 'end_time'"),
        ("run_name IS NULL", "IS NULL / IS NOT NULL is only supported"),
        ("attributes.lifecycle_stage = 'active'", "Invalid attribute key 'lifecycle_stage' specified."),
        ("attributes.duration > 5", "Invalid attribute key 'duration' specified."),
        ("attributes.experiment_id = '1'", "Invalid attribute key 'experiment_id' specified."),
        ("dataset.size = 'x'", "Invalid dataset key 'size'"),
        ("datasets.digest IN 'a'", "Expected a quoted string value (or a list with IN) for dataset attribute 'digest'"),
        ("foo.bar = 'x'", "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"),
        ("METRICS.a > 1", "Invalid entity type 'METRICS'"),
        ("\"tags\".a = 'x'", "Invalid entity type '\"tags\"'"),
        ("`tags.a` = 'x'", "Invalid entity type '`tags'"),
        ("metrics . acc > 1", "Invalid clause"),
        ("metrics.5 > 1", "Invalid clause"),
        ("metrics.a-b > 1", "Invalid clause"),
        ("metrics.a$b > 1", "Invalid clause"),
        ("metrics.acc > 1 OR metrics.b > 2", "Invalid clause"),
        ("(metrics.acc > 1)", "Invalid clause(s) in filter string: '('"),
        ("metrics.acc >= 1 AND(metrics.b < 2)", "Invalid clause"),
        ("metrics.acc > 1; metrics.b > 2", "Invalid clause"),
        ("metrics.acc > 1;", "Invalid clause"),
        ("metrics.acc > 1 -- c", "Invalid clause"),
        ("params.a = 'x'/*c*/", "Invalid clause"),
        ("params.a = 'x' & tags.b = 'y'", "Invalid clause"),
        ("params.a = 'x' ANDtags.b = 'y'", "Invalid entity type 'ANDtags'"),
        ("metrics.acc", "Invalid clause"),
        ("metrics.acc >", "Invalid clause"),
        ("> 1", "Invalid clause"),
        ("metrics.acc > 1 2", "Invalid clause"),
        ("params.lr = 'a' 'b'", "Invalid clause"),
        ("params.a = 'unterminated", "Unterminated string"),
        ("params.a = 'x''", "Unterminated string"),
        ("tags.`unterminated = 'x'", "Unterminated quote"),
        ("metrics.acc > 1 \u{1} AND", "Invalid clause(s) in filter string: '\\u{1}'"),
        ("params.a = 'x\u{0}'", "NUL"),
    ])
    func refusals(_ filter: String, _ message: String) {
        let refusal = refusal(filter)
        #expect(refusal?.contains(message) == true, "\(filter) → \(refusal ?? "accepted")")
        #expect(refusal?.contains("\n") != true)
    }

    // MARK: Hostile input

    @Test func hostileInputEndsInAnErrorQuickly() {
        let huge = "params.a = '" + String(repeating: "x", count: 10_000_000) + "'"
        #expect(refusal(huge)?.contains("longer than") == true)
        let parens = String(repeating: "(", count: 500_000)
        #expect(refusal(parens)?.hasPrefix("Invalid clause(s) in filter string: '('") == true)
        let open = "params.a = '" + String(repeating: "x\\'", count: 200_000)
        #expect(refusal(open) != nil)
        let deepList = "run_id IN (" + String(repeating: "(", count: 200_000)
        #expect(refusal(deepList) != nil)
        let control = String(repeating: "\u{7}", count: 100_000)
        #expect(refusal(control)?.count ?? 0 < 200)
    }

    @Test func atMostAHundredTerms() throws {
        let terms = (0..<100).map { "metrics.m\($0) > \($0)" }
        #expect(try parse(terms.joined(separator: " AND ")).count == 100)
        let tooMany = (terms + ["metrics.x > 1"]).joined(separator: " AND ")
        #expect(refusal(tooMany)?.contains("more than 100 terms") == true)
    }

    @Test func longValidInputStaysLinear() throws {
        let ids = (0..<20_000).map { "'\($0)'" }.joined(separator: ", ")
        let conditions = try parse("run_id IN (\(ids))")
        guard case .list(let items) = try #require(conditions.first).value else {
            Issue.record("expected a list")
            return
        }
        #expect(items.count == 20_000)
        #expect(try parse(String(repeating: "AND ", count: 100_000)) == [])
    }

    // MARK: order_by

    @Test(arguments: [
        ("metrics.acc DESC", RunSearch.Order(.metric("acc"), isAscending: false)),
        ("metrics.acc desc", RunSearch.Order(.metric("acc"), isAscending: false)),
        ("metrics.acc asc", RunSearch.Order(.metric("acc"), isAscending: true)),
        ("metrics.acc   DESC", RunSearch.Order(.metric("acc"), isAscending: false)),
        ("params.lr", RunSearch.Order(.param("lr"), isAscending: true)),
        ("attributes.start_time ASC", RunSearch.Order(.attribute(.startTime), isAscending: true)),
        ("start_time DESC", RunSearch.Order(.attribute(.startTime), isAscending: false)),
        ("start_time", RunSearch.Order(.attribute(.startTime), isAscending: true)),
        ("created", RunSearch.Order(.attribute(.startTime), isAscending: true)),
        ("Created DESC", RunSearch.Order(.attribute(.startTime), isAscending: false)),
        ("run_name", RunSearch.Order(.attribute(.runName), isAscending: true)),
        ("status", RunSearch.Order(.attribute(.status), isAscending: true)),
        ("run_id DESC", RunSearch.Order(.attribute(.runID), isAscending: false)),
        ("user_id", RunSearch.Order(.attribute(.userID), isAscending: true)),
        ("artifact_uri", RunSearch.Order(.attribute(.artifactURI), isAscending: true)),
        ("end_time ASC", RunSearch.Order(.attribute(.endTime), isAscending: true)),
        ("metrics.\"my metric\" DESC", RunSearch.Order(.metric("my metric"), isAscending: false)),
        ("metrics.`my metric`", RunSearch.Order(.metric("my metric"), isAscending: true)),
        ("tags.`mlflow.runName` ASC", RunSearch.Order(.tag("mlflow.runName"), isAscending: true)),
        ("tags.mlflow.runName", RunSearch.Order(.tag("mlflow.runName"), isAscending: true)),
        ("tags.\"mlflow.runName\" DESC", RunSearch.Order(.tag("mlflow.runName"), isAscending: false)),
    ])
    func orderKeys(_ clause: String, _ expected: RunSearch.Order) throws {
        #expect(try SearchFilter.parseOrder([clause]) == [expected])
    }

    @Test func ordersKeepTheirSequence() throws {
        let orders = try SearchFilter.parseOrder(["metrics.acc DESC", "params.lr", "start_time DESC"])
        #expect(
            orders == [
                RunSearch.Order(.metric("acc"), isAscending: false), RunSearch.Order(.param("lr"), isAscending: true),
                RunSearch.Order(.attribute(.startTime), isAscending: false),
            ])
        #expect(try SearchFilter.parseOrder([]) == [])
    }

    @Test(arguments: [
        ("", "Invalid order_by clause ''. Could not be parsed."),
        ("\"run name\"", "Invalid attribute key 'run name'"),
        ("`run name` DESC", "Invalid attribute key 'run name'"),
        ("attributes.`Run name`", "Invalid attribute key 'Run name'"),
        ("attributes.lifecycle_stage", "Invalid attribute key 'lifecycle_stage'"),
        ("timestamp", "Invalid attribute key 'timestamp'"),
        ("metrics.acc DESC NULLS LAST", "Could not be parsed."),
        ("metrics.acc DESC, params.b", "Could not be parsed."),
        ("metrics.acc > 1", "Could not be parsed."),
        ("metrics.acc DOWN", "Invalid ordering key in order_by clause 'metrics.acc DOWN'."),
        ("metrics.a b", "Invalid ordering key"),
        ("foo.bar", "Invalid entity type 'foo'"),
        ("dataset.name", "Invalid identifier type 'dataset'"),
    ])
    func orderRefusals(_ clause: String, _ message: String) {
        let refusal = orderRefusal([clause])
        #expect(refusal?.contains(message) == true, "\(clause) → \(refusal ?? "accepted")")
    }

    @Test func duplicateOrderFieldsAreRefused() {
        #expect(orderRefusal(["metrics.acc", "metrics.acc DESC"])?.contains("duplicate fields") == true)
        #expect(orderRefusal(["created", "start_time"])?.contains("duplicate fields") == true)
        #expect(orderRefusal(["metrics.acc", "params.acc"]) == nil)
    }

    @Test func tooManyOrderClausesAreRefused() {
        let clauses = (0...100).map { "metrics.m\($0)" }
        #expect(orderRefusal(clauses)?.contains("more than 100") == true)
    }
}

@Test func datasetTermsNameTheRunsInputs() throws {
    #expect(try SearchFilter.parse("datasets.name = 'mnist' AND dataset.context IN ('train', 'eval')") == [
        RunSearch.Condition(.dataset("name"), .equal, .text("mnist")),
        RunSearch.Condition(.dataset("context"), .isIn, .list(["train", "eval"])),
    ])
}

