import JSON
import Logging
import Synchronization

/// The shared side of every connection: the method table, limits, admission and statistics.
public final class RPCServer: Sendable {
    /// Methods answered by this server.
    public let table: MethodTable
    /// Limits on incoming messages.
    public let limits: RPCLimits
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var nextConnectionID = 1
        var connections: [ConnectionID: RPCConnection] = [:]
        var shuttingDown = false
        var latencies: [String: LatencyWindow] = [:]
        var closeHandlers: [@Sendable (ConnectionID) -> Void] = []
    }

    /// A server answering `table` within `limits`, logging to `logger`.
    public init(table: MethodTable, limits: RPCLimits = RPCLimits(), logger: Logger) {
        self.table = table
        self.limits = limits
        self.logger = logger
    }

    /// Creates the JSON-RPC state for a new client whose replies go to `sink`.
    /// - Parameter framing: fixed framing, or nil to detect it from the first byte.
    public func connect(sink: any MessageSink, framing: Framing? = nil) -> RPCConnection {
        state.withLock { state in
            let id = state.nextConnectionID
            state.nextConnectionID += 1
            let connection = RPCConnection(id: id, server: self, sink: sink, framing: framing)
            state.connections[id] = connection
            return connection
        }
    }

    /// Calls `handler` whenever a connection closes (to drop per-connection state).
    public func onConnectionClosed(_ handler: @escaping @Sendable (ConnectionID) -> Void) {
        state.withLock { $0.closeHandlers.append(handler) }
    }

    /// Number of open connections.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Requests received and not yet answered, over all connections.
    public var pendingRequestCount: Int {
        state.withLock { Array($0.connections.values) }.reduce(0) { $0 + $1.pendingRequestCount }
    }

    /// From now on, new requests are refused with `shuttingDown` (except `shutdown`/`exit`).
    public func beginShutdown() {
        state.withLock { $0.shuttingDown = true }
    }

    /// Whether `beginShutdown` was called.
    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// Waits until every connection has answered what it received.
    public func drain() async {
        let connections = state.withLock { Array($0.connections.values) }
        for connection in connections { await connection.drain() }
    }

    /// Latency percentiles and counts per method, over the most recent requests.
    public func latencyReport() -> [String: LatencySummary] {
        state.withLock { state in state.latencies.mapValues { $0.summary() } }
    }

    // MARK: - Used by connections

    func admissionError(for method: String) -> RPCError? {
        guard isShuttingDown, method != "shutdown", method != "exit" else { return nil }
        return .server(.shuttingDown, "the daemon is shutting down and accepts no new requests")
    }

    func record(method: String, duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        state.withLock { $0.latencies[method, default: LatencyWindow()].add(seconds) }
    }

    func connectionClosed(_ id: ConnectionID) {
        let handlers = state.withLock { state -> [@Sendable (ConnectionID) -> Void] in
            state.connections[id] = nil
            return state.closeHandlers
        }
        for handler in handlers { handler(id) }
    }

    func log(_ level: Logger.Level, _ message: @autoclosure () -> String) {
        logger.log(level: level, "\(message())")
    }
}

/// Count and latency percentiles of one method.
public struct LatencySummary: Sendable, Equatable {
    /// Requests answered since start.
    public var count: Int
    /// Median latency over the recent window, in milliseconds.
    public var p50: Double
    /// 95th percentile, in milliseconds.
    public var p95: Double
    /// 99th percentile, in milliseconds.
    public var p99: Double
}

/// The most recent latencies of one method (a fixed-size ring), with the all-time count.
struct LatencyWindow {
    static let capacity = 2048
    private(set) var count = 0
    private var samples: [Double] = []
    private var next = 0

    mutating func add(_ seconds: Double) {
        count += 1
        if samples.count < Self.capacity {
            samples.append(seconds)
        } else {
            samples[next] = seconds
            next = (next + 1) % Self.capacity
        }
    }

    func summary() -> LatencySummary {
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((p * Double(sorted.count - 1)).rounded())
            return sorted[rank] * 1000
        }
        return LatencySummary(count: count, p50: percentile(0.5), p95: percentile(0.95), p99: percentile(0.99))
    }
}
