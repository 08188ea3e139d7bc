import Foundation
import JSON
import Testing
import TestSupport

/// The files under `Schemas/`: they parse, use only what the validator understands, every reference
/// resolves, and `openrpc.json` agrees with the per-method files.
struct SchemaFileTests {
    static let openRPC = "openrpc.json"

    @Test func everyFileParsesAndIsWellFormed() throws {
        let schemas = try Schemas.load()
        #expect(schemas.documents.count >= 37)
        let problems = schemas.wellFormednessProblems(except: [Self.openRPC])
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        for (name, document) in schemas.documents where name != Self.openRPC {
            #expect(document["$schema"] == "https://json-schema.org/draft/2020-12/schema", "\(name)")
            #expect(document["title"]?.stringValue != nil, "\(name) has no title")
        }
    }

    @Test func openRPCListsEveryMethodWithItsFiles() throws {
        let schemas = try Schemas.load()
        let document = try #require(schemas.documents[Self.openRPC])
        #expect(document["openrpc"] == "1.2.6")
        let methods = try #require(document["methods"]?.arrayValue)
        var referenced: Set<String> = ["common.json", "error.json", Self.openRPC]
        for method in methods {
            let name = try #require(method["name"]?.stringValue)
            let stem = Schemas.stem(of: name)
            #expect(["implemented", "planned"].contains(method["x-status"]?.stringValue ?? ""), "\(name)")
            #expect(method["result"]?["schema"]?["$ref"] == .string("\(stem).result.json"), "\(name)")
            #expect(method["x-params-schema"]?["$ref"] == .string("\(stem).params.json"), "\(name)")
            referenced.formUnion(["\(stem).params.json", "\(stem).result.json"])
            // The by-name params list is the params schema's properties, with the same required flags.
            let params = try #require(schemas.documents["\(stem).params.json"], "\(name)")
            let properties = params["properties"]?.objectValue?.keys ?? []
            let required = Set(params["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let descriptors = method["params"]?.arrayValue ?? []
            #expect(descriptors.compactMap { $0["name"]?.stringValue } == properties, "\(name)")
            for descriptor in descriptors {
                let member = descriptor["name"]?.stringValue ?? ""
                #expect(descriptor["required"]?.boolValue == required.contains(member), "\(name).\(member)")
                #expect(descriptor["schema"]?["$ref"] == .string("\(stem).params.json#/properties/\(member)"))
            }
        }
        // No schema file that openrpc.json does not reach.
        #expect(Set(schemas.documents.keys) == referenced)
        let problems = schemas.wellFormednessProblems(except: [Self.openRPC]).filter { $0.hasPrefix(Self.openRPC) }
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func errorSchemaTiesKindsToCodes() throws {
        let schemas = try Schemas.load()
        let valid: [JSON] = [
            ["code": -32601, "message": "Method not found: x"],
            ["code": -32602, "message": "params.topK: expected integer", "data": ["field": "params.topK"]],
            ["code": -32602, "message": "bad params"],
            ["code": -32001, "message": "no model", "data": ["kind": "modelNotLoaded"]],
            ["code": -32003, "message": "too long", "data": ["kind": "inputTooLong", "limit": 1024, "field": "params.texts"]],
            ["code": -32004, "message": "busy", "data": ["kind": "overloaded", "queueDepth": 256]],
        ]
        for error in valid {
            #expect(try schemas.validate(error, against: "error.json").isEmpty, "\(error)")
        }
        let invalid: [JSON] = [
            ["code": -32001, "message": "no model"],  // server errors carry data.kind
            ["code": -32001, "message": "no model", "data": ["kind": "overloaded"]],  // kind and code disagree
            ["code": -32099, "message": "unknown code"],
            ["code": -32602, "message": "x", "data": ["kind": "modelNotLoaded"]],
            ["code": -32601],
            ["code": -32601, "message": "x", "extra": true],
        ]
        for error in invalid {
            #expect(try !schemas.validate(error, against: "error.json").isEmpty, "\(error)")
        }
        // The kinds listed are exactly those the README's table documents.
        let kinds = try #require(schemas.documents["error.json"]?["$defs"]?["kind"]?["enum"]?.arrayValue)
        #expect(Set(kinds.compactMap(\.stringValue))
                == ["modelNotLoaded", "notInitialized", "inputTooLong", "overloaded", "shuttingDown", "timeout"])
    }

    @Test func plannedSchemasAcceptTheShapesIssueSixDescribes() throws {
        let schemas = try Schemas.load()
        let samples: [(String, JSON)] = [
            ("annotate-label.params.json", ["texts": ["张三在北京"], "aggregation": "first", "ignoreLabels": ["O"], "minScore": 0.5]),
            ("annotate-label.result.json", ["model": "ner", "entities": [["start": 0, "end": 2, "text": "张三", "label": "PER", "score": 0.99]]]),
            ("annotate-answer.params.json", ["question": "谁?", "context": "张三。", "topK": 3, "allowNoAnswer": true, "docStride": 64]),
            ("annotate-answer.result.json", ["model": "qa", "answers": [["start": 0, "end": 2, "text": "张三", "score": 0.9]]]),
            ("annotate-correct.params.json", ["text": "今天天气很号", "threshold": 0.7, "ignore": ["天气"], "force": ["很号": "很好"], "detectOnly": false, "maxRounds": 2, "laterThreshold": 0.9]),
            ("annotate-correct.result.json", ["model": "csc", "corrected": "今天天气很好",
                                              "edits": [["start": 5, "end": 6, "original": "号", "replacement": "好", "score": 0.93, "kind": "spelling"]]]),
            ("annotate-correct.result.json", ["model": "csc", "corrected": ["好", "坏"], "edits": [[], []]]),
            ("annotate-fillMask.params.json", ["text": "北京是[MASK]国的首都", "topK": 5]),
            ("annotate-fillMask.result.json", ["model": "mlm", "masks": [["start": 3, "end": 9, "candidates": [["token": "中", "score": 0.8, "sequence": "北京是中国的首都"]]]]]),
            ("annotate-classify.params.json", ["text": "好", "textPair": "坏", "topK": 1]),
            ("annotate-classify.result.json", ["model": "seq", "labels": [["label": "POSITIVE", "score": 0.7]]]),
            ("annotate-nextSentence.params.json", ["text": "a", "textPair": "b"]),
            ("annotate-nextSentence.result.json", ["model": "nsp", "isNext": 0.97]),
            ("annotate-segment.result.json", ["model": "cws", "words": [[["start": 0, "end": 2, "text": "北京"]]]]),
        ]
        for (file, sample) in samples {
            let violations = try schemas.validate(sample, against: file)
            #expect(violations.isEmpty, "\(file): \(violations)")
        }
        // And refuse what they must: both forms at once, a score over 1, an unknown edit kind.
        #expect(try !schemas.validate(["question": "q", "context": "c", "contexts": ["c"]], against: "annotate-answer.params.json").isEmpty)
        #expect(try !schemas.validate(["model": "nsp", "isNext": 1.5], against: "annotate-nextSentence.result.json").isEmpty)
        #expect(try !schemas.validate(["model": "csc", "corrected": "x", "edits": [["start": 0, "end": 1, "original": "x",
                                       "replacement": "y", "score": 0.5, "kind": "grammar"]]], against: "annotate-correct.result.json").isEmpty)
    }
}
