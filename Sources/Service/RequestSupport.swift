import JSON
import RPC
import Tokenizer

extension PositionEncoding {
    /// The tokenizer's name for this unit.
    public var offsetEncoding: OffsetEncoding {
        switch self {
        case .utf8: .utf8
        case .utf16: .utf16
        case .utf32: .utf32
        }
    }
}

/// The members every annotate method accepts besides its own.
let commonParamKeys: Set<String> = ["model", "encoding", "timeoutMs"]

/// Reads the parts of params shared by the annotate methods.
struct CommonParams {
    /// The model named in the request, if any.
    let model: String?
    /// The unit offsets are counted in for this request.
    let encoding: PositionEncoding
    /// The request's deadline, if any.
    let timeout: Duration?

    init(_ params: JSONReader, session: Session) throws(JSONDecodingError) {
        model = try params.optional("model", as: String.self)
        if let name = try params.optional("encoding", as: String.self) {
            guard let encoding = PositionEncoding(rawValue: name) else {
                throw JSONDecodingError(path: params.path + ".encoding",
                                        message: "expected one of utf-8, utf-16, utf-32, got \"\(name)\"")
            }
            self.encoding = encoding
        } else {
            encoding = session.positionEncoding
        }
        timeout = try params.optional("timeoutMs", as: Int.self, in: 1...3_600_000).map { .milliseconds($0) }
    }
}

extension BertdService {
    /// The params object of a request (absent params read as an empty object), with unknown keys refused.
    func paramsReader(_ params: JSON?, allowed: Set<String>) throws(JSONDecodingError) -> JSONReader {
        let reader = JSONReader(params ?? .object(JSONObject()))
        guard case .object = reader.value else {
            throw JSONDecodingError(path: "params", message: "expected object, got \(reader.value.typeName)")
        }
        try reader.rejectUnknownKeys(allowed: allowed.union(commonParamKeys))
        return reader
    }

    /// `text` (one) or `texts` (a list), exactly one of them, within the text limits.
    /// - Returns: the texts and whether the request used the list form.
    func readTexts(_ params: JSONReader, single: String = "text", list: String = "texts") throws -> (texts: [String], isList: Bool) {
        let one = try params.optional(single, as: String.self)
        let many = try params.optional(list, as: [String].self)
        let texts: [String]
        let isList: Bool
        switch (one, many) {
        case (let text?, nil): (texts, isList) = ([text], false)
        case (nil, let list?): (texts, isList) = (list, true)
        case (nil, nil): throw JSONDecodingError(path: params.path + ".\(single)", message: "missing required field (or give \"\(list)\")")
        case (_?, _?): throw JSONDecodingError(path: params.path + ".\(list)", message: "give either \"\(single)\" or \"\(list)\", not both")
        }
        try checkLimits(texts, path: params.path + (isList ? ".\(list)" : ".\(single)"))
        return (texts, isList)
    }

    /// Refuses more texts, or longer ones, than configured.
    func checkLimits(_ texts: [String], path: String) throws {
        if texts.count > configuration.maxTextsPerRequest {
            throw RPCError.server(
                .inputTooLong, "\(path): \(texts.count) texts exceed the limit of \(configuration.maxTextsPerRequest) per request",
                extra: ["field": .string(path), "limit": .integer(Int64(configuration.maxTextsPerRequest))])
        }
        for (index, text) in texts.enumerated() where text.unicodeScalars.count > configuration.maxCharactersPerText {
            let field = texts.count > 1 || path.hasSuffix("s") ? "\(path)[\(index)]" : path
            throw RPCError.server(
                .inputTooLong, "\(field): text of \(text.unicodeScalars.count) characters exceeds the limit of \(configuration.maxCharactersPerText)",
                extra: ["field": .string(field), "limit": .integer(Int64(configuration.maxCharactersPerText))])
        }
    }

    /// Runs `work`, failing with a `timeout` error (and cancelling it) past `timeout`.
    func withDeadline<T: Sendable>(_ timeout: Duration?, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let timeout else { return try await work() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw RPCError.server(.timeout, "the request ran past its timeoutMs")
            }
            return value
        }
    }
}

/// A span of the caller's text in the request's encoding.
func spanJSON(_ range: Range<Int>, _ converter: OffsetConverter, _ encoding: PositionEncoding) -> (start: JSON, end: JSON) {
    let converted = converter.convert(range, to: encoding.offsetEncoding)
    return (.integer(Int64(converted.lowerBound)), .integer(Int64(converted.upperBound)))
}
