import Foundation
import JSON
import Testing
import TestSupport

/// The real daemon against the schemas: every answer of every implemented method fits its result schema,
/// and a request that breaks its params schema is refused with -32602 naming a field the schema blames.
struct DaemonSchemaTests {
    static let tokenModel = Fixtures.url("models/bert-token").path

    /// A daemon with a fixture model per task ("tok" first, so it serves tokenize and embed), limited to
    /// 4 texts per request.
    static func start() throws -> DaemonProcess {
        let models = [
            "tok=\(tokenModel)", "ner=\(Fixtures.url("tasks/ner-bio").path)", "qa=\(Fixtures.url("models/bert-qa").path)",
            "csc=\(Fixtures.url("tasks/csc").path)", "seq=\(Fixtures.url("models/bert-seq").path)",
            "nsp=\(Fixtures.url("models/bert-nsp").path)",
        ]
        return try DaemonProcess(arguments: models.flatMap { ["--model", $0] } + ["--max-texts", "4"])
    }

    /// Valid requests for every implemented method, in an order that leaves the session usable.
    static let requests: [(method: String, params: JSON?)] = [
        ("initialize", ["processId": 1, "clientInfo": ["name": "schema-tests"],
                        "capabilities": ["general": ["positionEncodings": ["utf-32", "utf-16"]]]]),
        ("initialized", [:]),
        ("annotate/tokenize", ["text": "北京欢迎你😀 hello"]),
        ("annotate/tokenize", ["text": "你好", "textPair": "世界", "encoding": "utf-8", "timeoutMs": 10_000]),
        ("annotate/tokenize", ["text": "你好", "addSpecialTokens": false, "model": "tok"]),
        ("annotate/tokenize", ["text": ""]),
        ("annotate/embed", ["text": "北京欢迎你"]),
        ("annotate/embed", ["texts": ["北京", "hello world"], "pooling": "cls", "normalize": false]),
        ("annotate/embed", ["text": "你好", "pooling": "none"]),
        ("annotate/embed", ["texts": ["你好", "世界"], "pooling": "none", "truncate": true]),
        ("annotate/label", ["text": "张三在北京大学读书 hello", "model": "ner"]),
        ("annotate/label", ["texts": ["李四去上海", "x"], "aggregation": "none", "decoding": "viterbi"]),
        ("annotate/label", ["text": "王五", "aggregation": "max", "ignoreLabels": [], "minScore": 0.1, "stride": 2]),
        ("annotate/answer", ["question": "谁在读书？", "context": "张三在北京大学读书。", "topK": 2]),
        ("annotate/answer", ["question": "哪里？", "contexts": ["北京。", "上海。"], "allowNoAnswer": true]),
        ("annotate/correct", ["text": "我门今天去公园完。Hello 123", "threshold": 0]),
        ("annotate/correct", ["texts": ["他门在哪", "fine"], "ignore": ["他门"], "force": ["在哪": "在那"], "detectOnly": true]),
        ("annotate/fillMask", ["text": "北京是[MASK]国的首都", "topK": 2, "model": "csc"]),
        ("annotate/classify", ["text": "这部电影很好看", "topK": 2]),
        ("annotate/classify", ["texts": ["好", "坏"], "textPair": "电影", "function": "sigmoid"]),
        ("annotate/nextSentence", ["text": "今天天气很好", "textPair": "我们去公园吧"]),
        ("annotate/nextSentence", ["texts": ["今天天气很好", "他走了"], "textPairs": ["我们去公园吧", "下雨了"]]),
        ("annotate/fillMask", ["texts": ["北京是[MASK]国的首都", "[MASK][MASK]你好"], "model": "csc"]),
        ("annotate/segment", ["text": "我爱北京天安门 ok", "model": "ner"]),
        ("annotate/segment", ["texts": ["他来了", ""], "model": "ner"]),
        ("bertd/models", nil),
        ("bertd/reload", ["name": "tok"]),
        ("bertd/status", nil),
        ("shutdown", nil),
    ]

    @Test func everyAnswerFitsItsResultSchema() throws {
        let schemas = try Schemas.load()
        let daemon = try Self.start()
        defer { daemon.terminate() }
        let client = try daemon.connect()
        var answered: Set<String> = []
        for (index, request) in Self.requests.enumerated() {
            let stem = Schemas.stem(of: request.method)
            if let params = request.params {
                // The schema must not refuse what the daemon accepts.
                let refusals = try schemas.validate(params, against: "\(stem).params.json")
                #expect(refusals.isEmpty, "\(request.method) \(params.serializedString): \(refusals)")
            }
            let response = try client.call(request.method, id: .integer(Int64(index)), params: request.params)
            guard let result = response["result"] else {
                Issue.record("\(request.method) failed: \(response.serializedString)")
                continue
            }
            let violations = try schemas.validate(result, against: "\(stem).result.json")
            #expect(violations.isEmpty, "\(request.method) → \(result.serializedString.prefix(400)): \(violations)")
            answered.insert(request.method)
            if request.method == "initialize" {
                // The methods the daemon says it serves are exactly those openrpc.json marks implemented.
                // LSP document methods follow the LSP 3.17 specification; LanguageServerTests cover them.
                let served = Set(result["capabilities"]?["experimental"]?["bertd"]?["methods"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                    .filter { !$0.hasPrefix("textDocument/") && !$0.hasPrefix("workspace/") }
                let implemented = Set(try Self.openRPCMethods(schemas, status: "implemented"))
                #expect(served.union(["$/cancelRequest"]) == implemented)
                #expect(served.subtracting(["exit"]).isSubset(of: Set(Self.requests.map(\.method))),
                        "a served method has no request in this test")
            }
        }
        #expect(answered.count == Set(Self.requests.map(\.method)).count)
    }

    @Test func errorAnswersFitTheErrorSchema() throws {
        let schemas = try Schemas.load()
        let daemon = try Self.start()
        defer { daemon.terminate() }
        let client = try daemon.connect()
        let failing: [(String, JSON?, Int)] = [
            ("annotate/tokenize", ["text": "x", "model": "missing"], -32001),
            ("annotate/embed", ["texts": ["a", "b", "c", "d", "e"]], -32003),
            ("annotate/nothing", nil, -32601),
            ("annotate/tokenize", ["text": 1], -32602),
            ("bertd/reload", ["name": "absent"], -32001),
        ]
        for (index, (method, params, code)) in failing.enumerated() {
            let response = try client.call(method, id: .integer(Int64(index)), params: params)
            let error = try #require(response["error"], "\(method) did not fail: \(response.serializedString)")
            #expect(error["code"]?.intValue == code)
            let violations = try schemas.validate(error, against: "error.json")
            #expect(violations.isEmpty, "\(error.serializedString): \(violations)")
        }
    }

    /// Requests that break a params schema in one place, the way clients get it wrong.
    static let invalidRequests: [(method: String, params: JSON)] = [
        ("annotate/tokenize", ["text": 5]),                                   // wrong type
        ("annotate/tokenize", ["text": "x", "bogus": 1]),                     // unknown field
        ("annotate/tokenize", ["textPair": "x"]),                             // missing required
        ("annotate/tokenize", ["text": "x", "addSpecialTokens": "yes"]),
        ("annotate/tokenize", ["text": "x", "encoding": "utf-7"]),
        ("annotate/tokenize", ["text": "x", "timeoutMs": 0]),
        ("annotate/tokenize", ["text": "x", "model": 3]),
        ("annotate/tokenize", ["text": "x", "odd key": true]),
        ("annotate/embed", ["text": "x", "pooling": "max"]),
        ("annotate/embed", ["texts": ["a", 3]]),
        ("annotate/embed", ["text": "x", "normalize": 1]),
        ("annotate/embed", ["text": "x", "top_k": 1]),
        ("annotate/label", ["text": "x", "aggregation": "bogus"]),
        ("annotate/label", ["text": "x", "minScore": 2]),
        ("annotate/answer", ["context": "x"]),
        ("annotate/answer", ["question": "q", "context": "x", "topK": 0]),
        ("annotate/correct", ["text": "x", "threshold": 2]),
        ("annotate/correct", ["text": "x", "force": ["a": 1]]),
        ("annotate/correct", ["text": "x", "mode": "csc"]),
        ("annotate/fillMask", ["text": "x", "topK": 0]),
        ("annotate/classify", ["text": "x", "function": "tanh"]),
        ("annotate/nextSentence", ["text": "x"]),
        ("annotate/nextSentence", ["texts": ["x"], "textPair": "y"]),
        ("annotate/segment", ["text": "x", "stride": 1]),
        ("bertd/reload", [:]),
        ("bertd/reload", ["name": 3]),
        ("initialize", ["initializationOptions": ["positionEncoding": "latin-1"]]),
    ]

    @Test func invalidParamsAreRefusedNamingTheFieldTheSchemaBlames() throws {
        let schemas = try Schemas.load()
        let daemon = try Self.start()
        defer { daemon.terminate() }
        let client = try daemon.connect()
        for (index, request) in Self.invalidRequests.enumerated() {
            let violations = try schemas.validate(request.params, against: "\(Schemas.stem(of: request.method)).params.json")
            #expect(!violations.isEmpty, "the schema accepts \(request.params.serializedString)")
            let response = try client.call(request.method, id: .integer(Int64(index)), params: request.params)
            let error = response["error"]
            #expect(error?["code"] == -32602, "\(request.method) \(request.params.serializedString): \(response.serializedString)")
            let field = error?["data"]?["field"]?.stringValue ?? "(none)"
            let pointer = Schemas.pointer(fromField: field)
            // A oneOf failure names its alternatives' paths in its message ("[0] /textPair: required: ...").
            let blamed = violations.contains { violation in
                violation.path == pointer || (violation.keyword == "oneOf" && violation.message.contains("] \(pointer ?? "?"):"))
            }
            #expect(pointer != nil && blamed, "daemon blames \(field), the schema \(violations)")
        }
    }

    static func openRPCMethods(_ schemas: SchemaSet, status: String) throws -> [String] {
        let methods = try #require(schemas.documents["openrpc.json"]?["methods"]?.arrayValue)
        return methods.filter { $0["x-status"]?.stringValue == status }.compactMap { $0["name"]?.stringValue }
    }
}
