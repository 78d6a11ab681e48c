import Testing
import RunFilter

@Suite struct WhereParserTests {
    let row: [String: FieldValue] = [
        "test_accuracy": .number(0.9368), "batch_size": .number(256), "name": .text("seed-1"), "seed": .number(3),
    ]

    @Test func comparisonsJoinedByAndOr() throws {
        let expression = try WhereParser.parse("test_accuracy > 0.93 and batch_size = 256")
        #expect(expression.matches(row))
        #expect(try !WhereParser.parse("test_accuracy > 0.95 and batch_size = 256").matches(row))
        #expect(try WhereParser.parse("test_accuracy > 0.95 or batch_size = 256").matches(row))
        #expect(try WhereParser.parse("not (batch_size != 256) AND name = 'seed-1'").matches(row))
        #expect(try WhereParser.parse("seed = '3' and name == seed-1").matches(row))
        #expect(try WhereParser.parse("test_accuracy >= 9.368e-1").matches(row))
    }

    @Test func andBindsTighterThanOr() throws {
        let expression = try WhereParser.parse("seed = 1 or seed = 3 and batch_size = 128")
        #expect(!expression.matches(row))
        #expect(try WhereParser.parse("(seed = 1 or seed = 3) and batch_size = 256").matches(row))
    }

    @Test func missingFieldDoesNotMatch() throws {
        #expect(try !WhereParser.parse("hidden1 = 128").matches(row))
        #expect(try WhereParser.parse("hidden1 = 128 or seed = 3").fields == ["hidden1", "seed"])
    }

    @Test(arguments: [
        ("test_accuracy >", 16, "expected a value"),
        ("test_accuracy 0.9", 15, "expected a comparison"),
        ("a = 1 b = 2", 7, "unexpected 'b'"),
        ("(a = 1", 7, "expected ')'"),
        ("a ~ 1", 3, "unexpected character"),
        ("a = 'x", 5, "unterminated string"),
        ("and a = 1", 1, "expected a field name"),
        ("", 1, "expected a field name"),
    ])
    func malformedExpressionsPointAtTheProblem(text: String, column: Int, fragment: String) {
        #expect {
            try WhereParser.parse(text)
        } throws: { error in
            guard let error = error as? WhereSyntaxError else { return false }
            return error.column == column && error.message.contains(fragment)
        }
    }

    /// Found with the fuzz-where replay: 100,000 nested parentheses (or `not`s), well within one
    /// command-line argument, overflowed the recursive parser's stack.
    @Test(arguments: [
        String(repeating: "(", count: 100_000) + "a = 1" + String(repeating: ")", count: 100_000),
        String(repeating: "not ", count: 30_000) + "a = 1",
    ])
    func deepNestingIsASyntaxErrorNotAStackOverflow(text: String) {
        #expect {
            try WhereParser.parse(text)
        } throws: { error in
            (error as? WhereSyntaxError)?.message.contains("nest deeper than 100") == true
        }
    }

    @Test func nestingUpToTheLimitParses() throws {
        let expression = try WhereParser.parse(String(repeating: "not (", count: 50) + "seed = 3" + String(repeating: ")", count: 50))
        #expect(expression.matches(row))
        #expect(expression.fields == ["seed"])
    }
}
