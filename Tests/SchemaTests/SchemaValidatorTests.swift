import JSON
import Testing
import TestSupport

/// The validator itself, on small schemas: each case lists the exact (path, keyword) pairs expected.
struct SchemaValidatorTests {
    struct Case: Sendable, CustomStringConvertible {
        let schema: String
        let instance: String
        let expected: [String]  // "path keyword"
        var description: String { "\(schema) ⊨ \(instance)" }
    }

    static let cases: [Case] = [
        // type, with integer vs number
        Case(schema: ##"{"type": "integer"}"##, instance: "3", expected: []),
        Case(schema: ##"{"type": "integer"}"##, instance: "3.0", expected: []),
        Case(schema: ##"{"type": "integer"}"##, instance: "3.5", expected: [" type"]),
        Case(schema: ##"{"type": "number"}"##, instance: "3", expected: []),
        Case(schema: ##"{"type": "number"}"##, instance: "\"3\"", expected: [" type"]),
        Case(schema: ##"{"type": ["string", "null"]}"##, instance: "null", expected: []),
        Case(schema: ##"{"type": ["string", "null"]}"##, instance: "false", expected: [" type"]),
        Case(schema: ##"{"type": "object"}"##, instance: "[]", expected: [" type"]),
        Case(schema: "true", instance: "{}", expected: []),
        Case(schema: "false", instance: "{}", expected: [" false"]),
        // enum and const: numbers by value, objects without order
        Case(schema: ##"{"enum": ["cls", "mean", 1]}"##, instance: "\"max\"", expected: [" enum"]),
        Case(schema: ##"{"enum": ["cls", "mean", 1]}"##, instance: "1.0", expected: []),
        Case(schema: ##"{"const": {"a": 1, "b": [true]}}"##, instance: ##"{"b": [true], "a": 1}"##, expected: []),
        Case(schema: ##"{"const": {"a": 1}}"##, instance: ##"{"a": 2}"##, expected: [" const"]),
        // numeric bounds
        Case(schema: ##"{"minimum": 1, "maximum": 3}"##, instance: "0", expected: [" minimum"]),
        Case(schema: ##"{"minimum": 1, "maximum": 3}"##, instance: "3", expected: []),
        Case(schema: ##"{"exclusiveMinimum": 0, "exclusiveMaximum": 1}"##, instance: "1", expected: [" exclusiveMaximum"]),
        Case(schema: ##"{"exclusiveMinimum": 0, "exclusiveMaximum": 1}"##, instance: "0", expected: [" exclusiveMinimum"]),
        Case(schema: ##"{"minimum": 5}"##, instance: "\"not a number\"", expected: []),
        // string length counts code points: one emoji is one character
        Case(schema: ##"{"minLength": 2}"##, instance: "\"😀\"", expected: [" minLength"]),
        Case(schema: ##"{"maxLength": 1}"##, instance: "\"😀\"", expected: []),
        Case(schema: ##"{"maxLength": 1}"##, instance: "\"北京\"", expected: [" maxLength"]),
        // arrays
        Case(schema: ##"{"items": {"type": "string"}, "minItems": 1}"##, instance: ##"["a", 2, "c", null]"##,
             expected: ["/1 type", "/3 type"]),
        Case(schema: ##"{"items": {"type": "string"}, "minItems": 1}"##, instance: "[]", expected: [" minItems"]),
        Case(schema: ##"{"maxItems": 1}"##, instance: "[1, 2]", expected: [" maxItems"]),
        Case(schema: ##"{"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": false}"##,
             instance: ##"[1, "a"]"##, expected: []),
        Case(schema: ##"{"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": false}"##,
             instance: ##"["1", "a", 3]"##, expected: ["/0 type", "/2 false"]),
        // objects: paths name the member at fault
        Case(schema: ##"{"properties": {"text": {"type": "string"}}, "required": ["text"], "additionalProperties": false}"##,
             instance: ##"{"bogus": 1}"##, expected: ["/text required", "/bogus additionalProperties"]),
        Case(schema: ##"{"properties": {"text": {"type": "string"}}, "additionalProperties": {"type": "integer"}}"##,
             instance: ##"{"text": 5, "n": 1, "m": "x"}"##, expected: ["/text type", "/m type"]),
        Case(schema: ##"{"properties": {"a/b": {"properties": {"c~d": {"type": "null"}}}}}"##,
             instance: ##"{"a/b": {"c~d": 0}}"##, expected: ["/a~1b/c~0d type"]),
        Case(schema: ##"{"properties": {"x": {"type": "string"}}}"##, instance: ##""not an object""##, expected: []),
        // combinators
        Case(schema: ##"{"oneOf": [{"required": ["text"]}, {"required": ["texts"]}]}"##, instance: ##"{"text": "a"}"##, expected: []),
        Case(schema: ##"{"oneOf": [{"required": ["text"]}, {"required": ["texts"]}]}"##, instance: "{}", expected: [" oneOf"]),
        Case(schema: ##"{"oneOf": [{"required": ["text"]}, {"required": ["texts"]}]}"##,
             instance: ##"{"text": "a", "texts": []}"##, expected: [" oneOf"]),
        Case(schema: ##"{"anyOf": [{"type": "string"}, {"items": {"type": "string"}, "type": "array"}]}"##,
             instance: ##"["a", "b"]"##, expected: []),
        Case(schema: ##"{"anyOf": [{"type": "string"}, {"items": {"type": "string"}, "type": "array"}]}"##,
             instance: "[1]", expected: [" anyOf"]),
        Case(schema: ##"{"allOf": [{"minimum": 0}, {"maximum": 1}, {"type": "integer"}]}"##, instance: "2.5",
             expected: [" maximum", " type"]),
        // local references
        Case(schema: ##"{"$defs": {"span": {"properties": {"start": {"type": "integer", "minimum": 0}}, "required": ["start"]}}, "items": {"$ref": "#/$defs/span"}}"##,
             instance: ##"[{"start": 1}, {"start": -1}, {}]"##, expected: ["/1/start minimum", "/2/start required"]),
    ]

    @Test(arguments: cases)
    func validates(_ testCase: Case) throws {
        let schemas = SchemaSet(documents: ["test.json": try JSON.parse(testCase.schema)])
        let violations = try schemas.validate(try JSON.parse(testCase.instance), against: "test.json")
        #expect(violations.map { "\($0.path) \($0.keyword)" } == testCase.expected, "\(violations)")
    }

    @Test func referencesAcrossFiles() throws {
        let schemas = SchemaSet(documents: [
            "common.json": try JSON.parse(##"{"$defs": {"encoding": {"enum": ["utf-8", "utf-16"]}, "word": {"$ref": "#/$defs/encoding"}}}"##),
            "params.json": try JSON.parse(##"{"properties": {"encoding": {"$ref": "common.json#/$defs/encoding"}, "w": {"$ref": "common.json#/$defs/word"}}}"##),
            "whole.json": try JSON.parse(##"{"$ref": "params.json"}"##),
        ])
        #expect(try schemas.validate(["encoding": "utf-8"], against: "params.json").isEmpty)
        // "#/$defs/encoding" inside common.json resolves in common.json, not in the referring file.
        #expect(try schemas.validate(["w": "utf-7"], against: "params.json").map(\.path) == ["/w"])
        #expect(try schemas.validate(["encoding": "utf-32"], against: "whole.json").map(\.keyword) == ["enum"])
        #expect(try schemas.validate("utf-16", against: "common.json#/$defs/encoding").isEmpty)
        #expect(throws: SchemaError.self) { try schemas.validate(1, against: "missing.json") }
        #expect(throws: SchemaError.self) { try schemas.validate(1, against: "common.json#/$defs/nothing") }
    }

    @Test func referenceCyclesEnd() throws {
        let schemas = SchemaSet(documents: ["loop.json": try JSON.parse(##"{"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##)])
        #expect(try schemas.validate(1, against: "loop.json").map(\.keyword) == ["$ref"])
    }

    @Test func wellFormednessFindsProblems() throws {
        let schemas = SchemaSet(documents: [
            "bad.json": try JSON.parse(##"""
                {"type": "strin", "pattern": "^a", "x-status": "fine", "description": "fine",
                 "properties": {"a": {"$ref": "#/$defs/missing"}, "b": {"minLength": -1}},
                 "required": ["a", "c"], "additionalProperties": false, "oneOf": []}
                """##),
            "doc.json": try JSON.parse(##"{"methods": [{"schema": {"$ref": "bad.json#/properties/a"}}, {"schema": {"$ref": "nope.json"}}]}"##),
        ])
        let problems = schemas.wellFormednessProblems(except: ["doc.json"])
        let expected = [
            "bad.json#/type: type must be",
            "bad.json#/pattern: keyword \"pattern\" is not supported",
            "bad.json#/properties/a/$ref: $ref #/$defs/missing does not resolve",
            "bad.json#/properties/b/minLength: minLength must be a non-negative integer",
            "bad.json#/required: \"c\" is required but additionalProperties: false forbids it",
            "bad.json#/oneOf: oneOf must be a non-empty list",
            "doc.json#/methods/1/schema: $ref nope.json does not resolve",
        ]
        for prefix in expected {
            #expect(problems.contains { $0.hasPrefix(prefix) }, "missing \(prefix) in \(problems)")
        }
        #expect(problems.count == expected.count, "\(problems)")
    }

    @Test(arguments: [
        ("params.text", "/text"),
        ("params.texts[3]", "/texts/3"),
        ("params.initializationOptions.positionEncoding", "/initializationOptions/positionEncoding"),
        (##"params["odd key"]"##, "/odd key"),
        (##"params["a/b]"].c"##, "/a~1b]/c"),
        ("params", ""),
    ])
    func fieldPathsBecomePointers(_ field: String, _ pointer: String) {
        #expect(Schemas.pointer(fromField: field) == pointer)
    }

    @Test func malformedFieldPathsAreRefused() {
        #expect(Schemas.pointer(fromField: "text") == nil)
        #expect(Schemas.pointer(fromField: "params.") == nil)
        #expect(Schemas.pointer(fromField: "params[x]") == nil)
        #expect(Schemas.pointer(fromField: "params[3") == nil)
    }

    @Test func methodStems() {
        #expect(Schemas.stem(of: "annotate/fillMask") == "annotate-fillMask")
        #expect(Schemas.stem(of: "$/cancelRequest") == "cancelRequest")
        #expect(Schemas.stem(of: "initialize") == "initialize")
    }
}
