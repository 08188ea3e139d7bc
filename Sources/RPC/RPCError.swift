import JSON

/// The stable `data.kind` of a server error, for clients to branch on.
public enum ServerErrorKind: String, Sendable, CaseIterable {
    /// The method needs a model that is not loaded (or the named model does not exist).
    case modelNotLoaded
    /// A text or request is larger than a configured limit.
    case inputTooLong
    /// The work queue is full; retry later.
    case overloaded
    /// The daemon is shutting down and takes no new work.
    case shuttingDown
    /// The request ran past its `timeoutMs`.
    case timeout
    /// A request other than `initialize` arrived first on an LSP connection that requires it.
    case notInitialized

    /// The JSON-RPC error code used for this kind (implementation-defined range -32099...-32000).
    public var code: Int {
        switch self {
        case .modelNotLoaded: -32001
        case .notInitialized: -32002
        case .inputTooLong: -32003
        case .overloaded: -32004
        case .shuttingDown: -32005
        case .timeout: -32006
        }
    }
}

/// The one error type on the wire: a JSON-RPC 2.0 error object.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON-RPC error code.
    public var code: Int
    /// A human-readable, single-sentence message.
    public var message: String
    /// Structured detail; server errors always carry `{"kind": ...}`.
    public var data: JSON?

    /// An error with an explicit code.
    public init(code: Int, message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    // MARK: - Standard codes (JSON-RPC 2.0 and LSP)

    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603
    /// LSP's RequestCancelled.
    public static let requestCancelledCode = -32800

    /// The body is not valid JSON.
    public static func parseError(_ detail: String) -> RPCError {
        RPCError(code: parseErrorCode, message: "Parse error: \(detail)")
    }

    /// The JSON is not a valid request object.
    public static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(code: invalidRequestCode, message: "Invalid request: \(detail)")
    }

    /// No handler for `method`.
    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: methodNotFoundCode, message: "Method not found: \(method)")
    }

    /// The params are wrong; `field` is the offending path, e.g. `params.topK`.
    public static func invalidParams(_ message: String, field: String? = nil) -> RPCError {
        RPCError(
            code: invalidParamsCode, message: message,
            data: field.map { .object(["field": .string($0)]) })
    }

    /// A params decoding failure, naming its exact path.
    public static func invalidParams(_ error: JSONDecodingError) -> RPCError {
        invalidParams(error.description, field: error.path)
    }

    /// A bug or unexpected failure inside the daemon.
    public static func internalError(_ detail: String) -> RPCError {
        RPCError(code: internalErrorCode, message: "Internal error: \(detail)")
    }

    /// The request was cancelled by the client (or its connection closed).
    public static let requestCancelled = RPCError(code: requestCancelledCode, message: "Request cancelled")

    /// A server error with a stable `data.kind` and optional extra data members.
    public static func server(_ kind: ServerErrorKind, _ message: String, extra: JSONObject = [:]) -> RPCError {
        var data: JSONObject = ["kind": .string(kind.rawValue)]
        for (key, value) in extra { data[key] = value }
        return RPCError(code: kind.code, message: message, data: .object(data))
    }

    /// The error as a JSON-RPC error object.
    public var json: JSON {
        var object: JSONObject = ["code": .integer(Int64(code)), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    public var description: String { "\(code): \(message)" }
}
