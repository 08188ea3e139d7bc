import Testing
import JSON

@Suite struct DecodingTests {
    let params = JSONReader(try! JSON.parse("""
        {"text":"hi","topK":3,"score":0.5,"whole":3.0,"half":3.5,"flag":true,"none":null,
         "texts":["a","b",7],"options":{"window":{"stride":"wide"}},"odd key":1,"big":9223372036854775807}
        """))

    @Test func decodesPresentMembers() throws {
        #expect(try params.required("text", as: String.self) == "hi")
        #expect(try params.required("topK", as: Int.self) == 3)
        #expect(try params.required("topK", as: Double.self) == 3)
        #expect(try params.required("score", as: Float.self) == 0.5)
        #expect(try params.required("whole", as: Int.self) == 3)
        #expect(try params.required("flag", as: Bool.self))
        #expect(try params.required("none", as: Int?.self) == nil)
        #expect(try params.required("options", as: JSON.self)["window"] != nil)
        #expect(try params.required("big", as: Int64.self) == .max)
        #expect(try params.member("texts")?.element(1)?.decode(String.self) == "b")
        #expect(try params.member("options")?.required("window", as: [String: String].self) == ["stride": "wide"])
    }

    @Test func optionalMeansAbsentOrNull() throws {
        #expect(try params.optional("missing", as: Int.self) == nil)
        #expect(try params.optional("none", as: Int.self) == nil)
        #expect(try params.optional("topK", as: Int.self) == 3)
    }

    @Test func namesThePathInErrors() {
        expectError("params.topK: expected string, got integer") { p throws(JSONDecodingError) in _ = try p.required("topK", as: String.self) }
        expectError("params.text: expected integer, got string") { p throws(JSONDecodingError) in _ = try p.required("text", as: Int.self) }
        expectError("params.half: expected integer, got number") { p throws(JSONDecodingError) in _ = try p.required("half", as: Int.self) }
        expectError("params.none: expected boolean, got null") { p throws(JSONDecodingError) in _ = try p.required("none", as: Bool.self) }
        expectError("params.missing: missing required field") { p throws(JSONDecodingError) in _ = try p.required("missing", as: Int.self) }
        expectError("params.flag: expected number, got boolean") { p throws(JSONDecodingError) in _ = try p.optional("flag", as: Double.self) }
        expectError("params.texts[2]: expected string, got integer") { p throws(JSONDecodingError) in _ = try p.required("texts", as: [String].self) }
        expectError("params.options.window.stride: expected integer, got string") { p throws(JSONDecodingError) in _ = try p.member("options")?.member("window")?.required("stride", as: Int.self) }
        expectError("params[\"odd key\"]: expected string, got integer") { p throws(JSONDecodingError) in _ = try p.required("odd key", as: String.self) }
        expectError("params.text: expected array, got string") { p throws(JSONDecodingError) in _ = try p.member("text")?.elements() }
        expectError("params.topK: expected object, got integer") { p throws(JSONDecodingError) in _ = try p.member("topK")?.required("x", as: Int.self) }
        expectError("params.big: must be between -2147483648 and 2147483647, got 9223372036854775807") { p throws(JSONDecodingError) in _ = try p.required("big", as: Int32.self) }
        expectError("params.topK: must be between 5 and 100, got 3") { p throws(JSONDecodingError) in _ = try p.required("topK", as: Int.self, in: 5...100) }
        expectError("params.score: must be between 0.75 and 1.0, got 0.5") { p throws(JSONDecodingError) in _ = try p.optional("score", as: Double.self, in: 0.75...1) }
        expectError("params.topK: must be at least 4, got 3") { p throws(JSONDecodingError) in _ = try p.required("topK", as: Int.self, in: 4...) }
        expectError("params.text: unknown field") { p throws(JSONDecodingError) in try p.rejectUnknownKeys(allowed: ["topK"]) }
    }

    private func expectError(
        _ expected: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ decode: (JSONReader) throws(JSONDecodingError) -> Void
    ) {
        let error = #expect(throws: JSONDecodingError.self, sourceLocation: sourceLocation) { try decode(params) }
        #expect(error?.description == expected, sourceLocation: sourceLocation)
    }

    @Test func rangeHelpersPassValuesInside() throws {
        #expect(try params.required("topK", as: Int.self, in: 1...100) == 3)
        #expect(try params.optional("topK", as: Int.self, in: 1...) == 3)
        #expect(try params.optional("missing", as: Int.self, in: 1...100) == nil)
        try params.rejectUnknownKeys(allowed: Set(params.value.objectValue?.keys ?? []))
    }

    @Test func integersRejectOutOfRangeAndNegativeUnsigned() {
        #expect(throws: JSONDecodingError(path: "x", message: "must be between 0 and 18446744073709551615, got -1")) {
            try JSONReader(-1, path: "x").decode(UInt64.self)
        }
        #expect(throws: JSONDecodingError(path: "x", message: "must be between -9223372036854775808 and 9223372036854775807, got 1e+19")) {
            try JSONReader(1e19, path: "x").decode(Int.self)
        }
        #expect(throws: JSONDecodingError(path: "x", message: "number 1e+300 is out of range")) {
            try JSONReader(1e300, path: "x").decode(Float.self)
        }
    }

    @Test func readersCarryPaths() throws {
        let texts = try #require(params.member("texts")).elements()
        #expect(texts.map(\.path) == ["params.texts[0]", "params.texts[1]", "params.texts[2]"])
        #expect(params.member("texts")?.element(3) == nil)
        #expect(params.member("missing") == nil)
        #expect(params.member("none")?.value == .null)
        let members = try #require(params.member("options")).members()
        #expect(members.map(\.reader.path) == ["params.options.window"])
        #expect(params.error("either text or texts is required").description
            == "params: either text or texts is required")
    }
}
