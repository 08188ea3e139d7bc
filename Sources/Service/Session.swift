import RPC
import Synchronization

/// How offsets in requests and results count text positions.
public enum PositionEncoding: String, Sendable, CaseIterable {
    /// UTF-8 code units (bytes).
    case utf8 = "utf-8"
    /// UTF-16 code units (LSP's default; JavaScript string indices).
    case utf16 = "utf-16"
    /// Unicode scalars (code points; Python string indices).
    case utf32 = "utf-32"
}

/// What kind of peer a connection is.
public enum PeerKind: Sendable {
    /// The editor on stdin/stdout: `exit` ends the daemon, as LSP defines.
    case stdio
    /// A socket client: `exit` ends only its own connection.
    case socket
}

/// Per-connection protocol state.
public struct Session: Sendable {
    /// stdio editor or socket client.
    public var peer: PeerKind
    /// Whether `initialize` was answered.
    public var initialized = false
    /// Whether `shutdown` was received.
    public var shutdownRequested = false
    /// Offsets unless a request names its own `encoding`: utf-16 after `initialize` unless negotiated
    /// otherwise, utf-32 (code points) for clients that skip `initialize`.
    public var positionEncoding: PositionEncoding = .utf32
}

/// The sessions of all open connections.
public final class SessionStore: Sendable {
    private let sessions = Mutex<[ConnectionID: Session]>([:])

    /// An empty store.
    public init() {}

    /// Registers a new connection.
    public func open(_ id: ConnectionID, peer: PeerKind) {
        sessions.withLock { $0[id] = Session(peer: peer) }
    }

    /// Forgets a closed connection.
    public func close(_ id: ConnectionID) {
        sessions.withLock { $0[id] = nil }
    }

    /// The session of `id` (a socket session for unknown ids, e.g. in-process tests).
    public func session(_ id: ConnectionID) -> Session {
        sessions.withLock { $0[id] } ?? Session(peer: .socket)
    }

    /// Changes the session of `id`.
    public func update(_ id: ConnectionID, _ change: (inout Session) -> Void) {
        sessions.withLock { sessions in
            var session = sessions[id] ?? Session(peer: .socket)
            change(&session)
            sessions[id] = session
        }
    }
}
