import JSON

/// A request or notification as received; `id` is nil for notifications.
public struct Request: Sendable, Equatable {
    /// The id to answer with: any JSON value the client chose (string, number, null); nil = notification.
    public var id: JSON?
    /// The method name.
    public var method: String
    /// The params (object or array), nil when absent.
    public var params: JSON?

    /// A request (or a notification when `id` is nil).
    public init(id: JSON?, method: String, params: JSON?) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// Whether the sender expects no answer.
    public var isNotification: Bool { id == nil }
}

/// One member of an incoming message (a single message is a batch of one).
public enum IncomingEntry: Sendable, Equatable {
    /// A request or notification to dispatch.
    case request(Request)
    /// A response from the client (to a server-initiated request); bertd sends none, so these are dropped.
    case response(id: JSON)
    /// Not a valid request; answer with `error`, using `id` when it could be recovered (else null).
    case invalid(id: JSON, error: RPCError)
}

/// A decoded message body.
public enum IncomingMessage: Sendable, Equatable {
    /// One entry.
    case single(IncomingEntry)
    /// A JSON-RPC batch (a non-empty array).
    case batch([IncomingEntry])
    /// The body could not be used at all; answer once with `error` and id null.
    case unusable(RPCError)

    /// Decodes a message body; never throws: every failure becomes an answer.
    public static func decode(_ body: [UInt8], maxBatchSize: Int) -> IncomingMessage {
        let value: JSON
        do {
            value = try JSON.parse(body)
        } catch {
            return .unusable(.parseError(error.description))
        }
        switch value {
        case .array(let members):
            if members.isEmpty { return .unusable(.invalidRequest("empty batch")) }
            if members.count > maxBatchSize {
                return .unusable(.server(
                    .inputTooLong, "batch of \(members.count) requests exceeds the limit of \(maxBatchSize)",
                    extra: ["limit": .integer(Int64(maxBatchSize))]))
            }
            return .batch(members.map(entry))
        default:
            return .single(entry(value))
        }
    }

    /// Classifies one JSON value as request, notification, response or invalid.
    static func entry(_ value: JSON) -> IncomingEntry {
        guard case .object(let object) = value else {
            return .invalid(id: .null, error: .invalidRequest("expected an object, got \(value.typeName)"))
        }
        let id = object["id"]
        let answerID = id.flatMap(validID) ?? .null
        guard object["jsonrpc"] == .string("2.0") else {
            return .invalid(id: answerID, error: .invalidRequest("\"jsonrpc\" must be \"2.0\""))
        }
        if let id, validID(id) == nil {
            return .invalid(id: .null, error: .invalidRequest("\"id\" must be a string, number or null, got \(id.typeName)"))
        }
        guard let methodValue = object["method"] else {
            if let id, object["result"] != nil || object["error"] != nil { return .response(id: id) }
            return .invalid(id: answerID, error: .invalidRequest("missing \"method\""))
        }
        guard case .string(let method) = methodValue else {
            return .invalid(id: answerID, error: .invalidRequest("\"method\" must be a string, got \(methodValue.typeName)"))
        }
        let params = object["params"]
        if let params {
            switch params {
            case .object, .array: break
            default:
                return .invalid(id: answerID, error: .invalidRequest("\"params\" must be an object or array, got \(params.typeName)"))
            }
        }
        return .request(Request(id: id, method: method, params: params))
    }

    private static func validID(_ id: JSON) -> JSON? {
        switch id {
        case .string, .integer, .double, .null: id
        default: nil
        }
    }
}

/// Builders for outgoing messages.
public enum Outgoing {
    /// A success response.
    public static func result(id: JSON, _ result: JSON) -> JSON {
        .object(["jsonrpc": "2.0", "id": id, "result": result])
    }

    /// An error response.
    public static func error(id: JSON, _ error: RPCError) -> JSON {
        .object(["jsonrpc": "2.0", "id": id, "error": error.json])
    }

    /// A notification from the server (e.g. `textDocument/publishDiagnostics`).
    public static func notification(method: String, params: JSON) -> JSON {
        .object(["jsonrpc": "2.0", "method": .string(method), "params": params])
    }
}
