import Testing
@testable import JSON

@Suite struct ParseErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let input: [UInt8]
        let line: Int
        let column: Int
        let position: Int
        let message: String
        var testDescription: String { message }

        init(_ input: [UInt8], _ line: Int, _ column: Int, _ position: Int, _ message: String) {
            (self.input, self.line, self.column, self.position, self.message) = (input, line, column, position, message)
        }

        init(_ text: String, _ line: Int, _ column: Int, _ position: Int, _ message: String) {
            self.init(Array(text.utf8), line, column, position, message)
        }
    }

    @Test(arguments: [
        Case("", 1, 1, 0, "empty input"),
        Case("  ", 1, 2, 2, "unexpected token near end of file"),
        Case("[1] x", 1, 5, 5, "end of file expected near 'x'"),
        Case("[1,]", 1, 4, 4, "unexpected token near ']'"),
        Case("[1,\n  2,\n  x]", 3, 3, 12, "invalid token near 'x'"),
        Case("\"中文\" x", 1, 6, 10, "end of file expected near 'x'"),
        Case("nan", 1, 3, 3, "invalid token near 'nan'"),
        Case("\"\\ud800\"", 1, 8, 8, "invalid Unicode '\\uD800' near '\"\\ud800\"'"),
        Case("\"\\udc00\"", 1, 8, 8, "invalid Unicode '\\uDC00' near '\"\\udc00\"'"),
        Case("\"a\tb\"", 1, 2, 2, "control character 0x9 near '\"a'"),
        Case("{\"a\\u0000b\":1}", 1, 11, 11, "NUL byte in object key not supported near '\"a\\u0000b\"'"),
        Case("99999999999999999999", 1, 20, 20, "too big integer near '99999999999999999999'"),
        Case("-99999999999999999999", 1, 21, 21, "too big negative integer"),
        Case("1e400", 1, 5, 5, "real number overflow near '1e400'"),
    ])
    func reportsPlaceAndReason(_ expected: Case) {
        #expect(throws: JSONParseError(
            line: expected.line, column: expected.column, position: expected.position, message: expected.message)
        ) {
            try JSON.parse(expected.input)
        }
    }

    /// Stray bytes, truncated sequences, overlong forms and UTF-8-encoded surrogates.
    @Test(arguments: [
        [0xFF], [0x22, 0xFF, 0x22], [0x22, 0xE4, 0xB8, 0x22], [0x22, 0xE4, 0xB8], [0x22, 0xC0, 0xAF, 0x22],
        [0x22, 0xE0, 0x80, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xED, 0xBF, 0xBF, 0x22],
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0x80, 0x22], [0x5B, 0xF5, 0x5D],
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ input: [UInt8]) throws {
        let error = try #require(throws: JSONParseError.self) { try JSON.parse(input) }
        #expect(error.message.hasPrefix("unable to decode byte 0x"))
    }

    @Test func describesWithLineAndColumn() {
        let error = JSONParseError(line: 3, column: 7, position: 20, message: "invalid token near 'x'")
        #expect(error.description == "line 3, column 7: invalid token near 'x'")
    }

    @Test func treatsEveryEntryPointAlike() throws {
        let text = "{\"a\":[1,2]"
        let fromString = try #require(throws: JSONParseError.self) { try JSON.parse(text) }
        let fromArray = try #require(throws: JSONParseError.self) { try JSON.parse(Array(text.utf8)) }
        let fromSlice = try #require(throws: JSONParseError.self) { try JSON.parse(Array(text.utf8)[...]) }
        let fromView = try #require(throws: JSONParseError.self) { try JSON.parse(text.utf8) }
        #expect(fromString == fromArray && fromArray == fromSlice && fromSlice == fromView)
        #expect(try JSON.parse("[1]".utf8.lazy.map { $0 }) == [1])
    }
}

@Suite struct DepthTests {
    static func nested(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    @Test func acceptsUpToTheLimit() throws {
        var value = try JSON.parse(Self.nested(512))
        var depth = 0
        while case .array(let elements) = value, let first = elements.first {
            value = first
            depth += 1
        }
        #expect(depth == 511)
        #expect(try JSON.parse("7", maxDepth: 0) == 7)
        #expect(try JSON.parse("[[]]", maxDepth: 2) == [[]])
    }

    @Test func placesTheFirstLevelTooDeep() {
        #expect(throws: JSONParseError(line: 1, column: 513, position: 513, message: "nesting deeper than 512 levels")) {
            try JSON.parse(Self.nested(513))
        }
        #expect(throws: JSONParseError(line: 2, column: 3, position: 9, message: "nesting deeper than 2 levels")) {
            try JSON.parse("{\"[\":\n [{\"a\":1}]}", maxDepth: 2)
        }
    }

    @Test func cannotGoBeyondJanssonsOwnLimit() throws {
        #expect(try JSON.parse(Self.nested(2048), maxDepth: 100_000).arrayValue?.count == 1)
        #expect(throws: JSONParseError(line: 1, column: 2049, position: 2049, message: "nesting deeper than 2048 levels")) {
            try JSON.parse(Self.nested(2049), maxDepth: 100_000)
        }
    }

    @Test func survivesAHundredThousandOpenBrackets() {
        let error = #expect(throws: JSONParseError.self) {
            try JSON.parse(String(repeating: "[", count: 100_000), maxDepth: 100_000)
        }
        #expect(error?.message == "nesting deeper than 2048 levels")
        let objects = #expect(throws: JSONParseError.self) {
            try JSON.parse(String(repeating: "{\"a\":", count: 100_000))
        }
        #expect(objects?.position == 2561)
    }
}
