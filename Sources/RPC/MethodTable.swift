import JSON

/// Identifies one client connection for the life of the process.
public typealias ConnectionID = Int

/// What a handler knows about where a message came from.
public struct RequestContext: Sendable {
    /// The connection the message arrived on.
    public let connection: ConnectionID
    /// The request id (nil for notifications).
    public let requestID: JSON?
    /// Sends a notification to this client (e.g. diagnostics); false when the connection is gone.
    public let notify: @Sendable (_ method: String, _ params: JSON) -> Bool
}

/// Answers a request: returns the `result`, or throws `RPCError`, `JSONDecodingError` (-32602),
/// `CancellationError` (-32800); anything else becomes -32603.
public typealias RequestHandler = @Sendable (_ params: JSON?, _ context: RequestContext) async throws -> JSON

/// One method the server answers.
public struct MethodEntry: Sendable {
    /// Run in arrival order with the other ordered methods of the connection (document sync), and
    /// after every earlier ordered message; unordered requests run concurrently.
    public let ordered: Bool
    /// The handler.
    public let handler: RequestHandler
}

/// The dispatch table: method name -> handler. Built once, then read concurrently.
public struct MethodTable: Sendable {
    private var entries: [String: MethodEntry] = [:]

    /// An empty table.
    public init() {}

    /// Adds (or replaces) the handler for `method`.
    public mutating func register(_ method: String, ordered: Bool = false, _ handler: @escaping RequestHandler) {
        entries[method] = MethodEntry(ordered: ordered, handler: handler)
    }

    /// The entry for `method`, if any.
    public func entry(for method: String) -> MethodEntry? { entries[method] }

    /// Every registered method name, sorted.
    public var methods: [String] { entries.keys.sorted() }
}

/// The limits a server enforces on what clients send.
public struct RPCLimits: Sendable {
    /// Largest message body in bytes.
    public var maxMessageBytes: Int
    /// Most entries in one batch.
    public var maxBatchSize: Int

    /// Limits with the documented defaults (16 MiB messages, 256 entries per batch).
    public init(maxMessageBytes: Int = 16 << 20, maxBatchSize: Int = 256) {
        self.maxMessageBytes = maxMessageBytes
        self.maxBatchSize = maxBatchSize
    }
}
