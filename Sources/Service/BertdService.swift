import Foundation
import JSON
import Logging
import RPC

/// The daemon's request handling: the method table over the shared model registry and sessions.
///
/// Executables create one, connect transports to `server`, and call `shutdown` on signals.
public final class BertdService: Sendable {
    /// The JSON-RPC server all transports feed.
    public let server: RPCServer
    /// Per-connection state.
    public let sessions: SessionStore
    /// What the process was started with.
    public let configuration: ServiceConfiguration
    /// The loaded models.
    public let registry: ModelRegistry
    let logger: Logger
    let startedAt = ContinuousClock.now
    let exitHandler: @Sendable (Int32) -> Void
    let extensions: ServiceExtensions

    /// Builds the service and its method table.
    /// - Parameter onExit: called with the exit status when an editor on stdio sends `exit`.
    /// - Parameters:
    ///   - extensions: more methods (the LSP document methods) and the capabilities they add.
    public init(configuration: ServiceConfiguration, registry: ModelRegistry, logger: Logger,
                extensions: ServiceExtensions = ServiceExtensions(),
                onExit: @escaping @Sendable (Int32) -> Void) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        self.sessions = SessionStore()
        self.exitHandler = onExit
        self.extensions = extensions
        let holder = ServiceReference()
        var table = MethodTable()
        for method in Self.methods {
            let handle = method.handle
            table.register(method.name, ordered: method.ordered) { params, context in
                try await handle(try holder.get(), params, context)
            }
        }
        for method in extensions.methods {
            table.register(method.name, ordered: method.ordered, method.handler)
        }
        self.server = RPCServer(table: table, limits: configuration.rpcLimits, logger: logger)
        holder.set(self)
        let sessions = self.sessions
        let closed = extensions.onConnectionClosed
        server.onConnectionClosed { id in
            sessions.close(id)
            closed?(id)
        }
    }

    /// Every method the daemon answers.
    static let methods: [ServiceMethod] = lifecycleMethods + statusMethods + modelsMethods + [
        tokenizeMethod, embedMethod,
    ] + taskMethods

    /// The position encoding a connection negotiated (utf-32 for socket clients that skipped `initialize`).
    public func positionEncoding(for connection: ConnectionID) -> PositionEncoding {
        sessions.session(connection).positionEncoding
    }

    /// Connects a transport and registers its session.
    public func connect(sink: any MessageSink, peer: PeerKind, framing: Framing? = nil) -> RPCConnection {
        let connection = server.connect(sink: sink, framing: framing)
        sessions.open(connection.id, peer: peer)
        return connection
    }

    /// Stops taking new requests and waits up to `grace` for those in flight; true if all finished.
    public func shutdown(grace: Duration) async -> Bool {
        server.beginShutdown()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { [server] in
                await server.drain()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Seconds since the service started.
    var uptimeSeconds: Double {
        let elapsed = ContinuousClock.now - startedAt
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}

/// Lets handlers registered before the service exists reach it once it does.
final class ServiceReference: @unchecked Sendable {
    // Written once in BertdService.init before any connection exists, read-only afterwards.
    private var service: BertdService?

    func set(_ service: BertdService) { self.service = service }

    func get() throws -> BertdService {
        guard let service else { throw RPCError.internalError("service not ready") }
        return service
    }
}

/// One method of the daemon: its wire name and its handler, which receives the service.
struct ServiceMethod: Sendable {
    /// The JSON-RPC method name.
    let name: String
    /// Runs in arrival order with other ordered messages of its connection (document sync).
    var ordered = false
    /// Answers the request.
    let handle: @Sendable (BertdService, JSON?, RequestContext) async throws -> JSON
}

/// Methods and capabilities added to the daemon by a layer above the service (the LSP adapter).
public struct ServiceExtensions: Sendable {
    /// One added method.
    public struct Method: Sendable {
        public let name: String
        public let ordered: Bool
        public let handler: RequestHandler

        public init(name: String, ordered: Bool, handler: @escaping RequestHandler) {
            self.name = name
            self.ordered = ordered
            self.handler = handler
        }
    }

    /// The added methods.
    public var methods: [Method]
    /// Members merged into `capabilities` in the `initialize` result.
    public var capabilities: JSONObject
    /// Called when `initialize` carries `initializationOptions`.
    public var onInitialize: (@Sendable (ConnectionID, JSONReader) throws -> Void)?
    /// Called when a connection closes.
    public var onConnectionClosed: (@Sendable (ConnectionID) -> Void)?

    public init(methods: [Method] = [], capabilities: JSONObject = [:],
                onInitialize: (@Sendable (ConnectionID, JSONReader) throws -> Void)? = nil,
                onConnectionClosed: (@Sendable (ConnectionID) -> Void)? = nil) {
        self.methods = methods
        self.capabilities = capabilities
        self.onInitialize = onInitialize
        self.onConnectionClosed = onConnectionClosed
    }
}
