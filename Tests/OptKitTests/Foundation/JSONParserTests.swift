import OptKit
import Testing

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#"{"a": [1, -2.5e3, true, false, null], "b": "x\"\u00e9\ud83d\ude00\n"}"#)
        #expect(value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value["b"] == .string("x\"é😀\n"))
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9, "expected a string key"),
        ("[1, 2", 1, 6, "expected ',' or ']'"),
        ("", 1, 1, "the document is empty"),
        ("{\n  \"a\": tru\n}", 2, 8, "invalid literal, expected 'true'"),
        ("{\"a\": 01}", 1, 8, "leading zero in number"),
        ("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key \"a\""),
        ("[1] x", 1, 5, "unexpected content after the JSON value"),
        ("\"tab\there\"", 1, 5, "control character in string (escape it)"),
    ])
    func reportsWhereAndWhy(text: String, line: Int, column: Int, reason: String) {
        #expect(throws: JSONParser.SyntaxError(line: line, column: column, reason: reason)) {
            try JSONParser.parse(text)
        }
    }

    @Test func refusesAbsurdNesting() {
        #expect(throws: JSONParser.SyntaxError.self) {
            try JSONParser.parse(String(repeating: "[", count: 10_000))
        }
    }

    @Test func prettyPrintingRoundTrips() throws {
        let value = try JSONParser.parse(#"{"b": [], "a": {"x": 0.25, "y": [1, "two"]}, "c": {}}"#)
        let pretty = value.prettyPrinted()
        #expect(try JSONParser.parse(pretty) == value)
        #expect(pretty.hasPrefix("{\n  \"a\": {\n    \"x\": 0.25,"))
    }
}
