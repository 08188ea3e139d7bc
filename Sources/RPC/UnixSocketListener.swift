import Foundation
import Glibc
import Synchronization

/// Why a socket could not be served.
public enum SocketError: Error, Sendable, CustomStringConvertible {
    /// Another live daemon answers on this path; it is left alone.
    case inUse(path: String)
    /// The path does not fit in a socket address.
    case pathTooLong(path: String, limit: Int)
    /// A system call failed.
    case system(call: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .inUse(let path):
            "another bertd is already listening on \(path) (stop it, or pass --socket with another path)"
        case .pathTooLong(let path, let limit):
            "socket path is longer than \(limit) bytes: \(path)"
        case .system(let call, let path, let code):
            "\(call)(\(path)): \(String(cString: strerror(code)))"
        }
    }
}

/// Listens on a Unix domain socket and serves each client on its own reader thread.
///
/// The socket is created with mode 0600 inside a directory of mode 0700 (created if missing). A live
/// socket at the path is never clobbered; a stale one (nobody accepting) is replaced.
public final class UnixSocketListener: Sendable {
    /// The socket's path.
    public let path: String
    private let descriptor: Int32
    private let clients = Mutex<[ObjectIdentifier: StreamTransport]>([:])
    private let stopped = Atomic<Bool>(false)

    /// Binds and listens on `path`.
    /// - Throws: `SocketError.inUse` when a live daemon owns the path.
    public init(path: String) throws(SocketError) {
        self.path = path
        try Self.prepareDirectory(of: path)
        if Self.isLive(path) { throw .inUse(path: path) }
        unlink(path)
        // Bind and listen under a temporary name, then rename: the socket appears at `path` only once it
        // accepts connections, so a client that sees the file can always connect.
        let staging = "\(path).\(getpid()).new"
        let bindPath = (try? Self.address(staging)) != nil ? staging : path
        unlink(bindPath)
        var address = try Self.address(bindPath)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", path: path, errno: errno) }
        // Create the node with no access for others from the start (no window with a wider mode).
        let oldMask = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        let bindErrno = errno
        umask(oldMask)
        guard bound == 0 else {
            close(fd)
            throw .system(call: "bind", path: bindPath, errno: bindErrno)
        }
        chmod(bindPath, 0o600)
        guard listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            unlink(bindPath)
            throw .system(call: "listen", path: path, errno: code)
        }
        if bindPath != path, rename(bindPath, path) != 0 {
            let code = errno
            close(fd)
            unlink(bindPath)
            throw .system(call: "rename", path: path, errno: code)
        }
        descriptor = fd
    }

    /// Accepts clients until `stop()`; each is served by `serve` on a thread of its own. Blocks.
    public func acceptLoop(connect: @escaping @Sendable (StreamTransport) -> RPCConnection) {
        while !stopped.load(ordering: .acquiring) {
            let client = accept(descriptor, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if stopped.load(ordering: .acquiring) { break }
                // EMFILE and friends: back off rather than spin.
                usleep(10_000)
                continue
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let transport = StreamTransport(readDescriptor: client, writeDescriptor: client, closesDescriptors: true)
            let key = ObjectIdentifier(transport)
            clients.withLock { $0[key] = transport }
            let connection = connect(transport)
            let thread = Thread { [self] in
                transport.serve(connection)
                self.clients.withLock { $0[key] = nil }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Stops accepting and removes the socket file; connected clients keep being served.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
        unlink(path)
    }

    /// Stops reading from every connected client (their answers in flight still go out).
    public func disconnectClients() {
        for transport in clients.withLock({ Array($0.values) }) { transport.shutdownReading() }
    }

    /// The number of clients being served.
    public var clientCount: Int { clients.withLock { $0.count } }

    // MARK: - Helpers

    /// Whether a process accepts connections on `path` right now (a stale socket file does not count).
    public static func isLive(_ path: String) -> Bool {
        guard let fd = try? connect(to: path) else { return false }
        close(fd)
        return true
    }

    /// A new stream socket connected to `path`; the caller closes it.
    /// - Throws: `SocketError.pathTooLong`, or `.system` naming the failed call (`socket`, `connect`).
    public static func connect(to path: String) throws(SocketError) -> Int32 {
        var address = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", path: path, errno: errno) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw .system(call: "connect", path: path, errno: code)
        }
        return fd
    }

    /// The default socket path: `$XDG_RUNTIME_DIR/bertd.sock`, else `/tmp/bertd-$UID/bertd.sock`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return runtime + "/bertd.sock"
        }
        return "/tmp/bertd-\(getuid())/bertd.sock"
    }

    /// The socket address of `path`.
    /// - Throws: `SocketError.pathTooLong` when it does not fit.
    public static func address(_ path: String) throws(SocketError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard bytes.count < capacity else { throw .pathTooLong(path: path, limit: capacity - 1) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
            raw[bytes.count] = 0
        }
        return address
    }

    /// Creates the socket's directory with mode 0700 when missing; an existing one is left as is,
    /// except our own per-user `/tmp/bertd-$UID`, which must not be accessible to others.
    static func prepareDirectory(of path: String) throws(SocketError) {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        var info = stat()
        if stat(directory, &info) != 0 {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw .system(call: "mkdir", path: directory, errno: errno)
            }
        } else if directory.hasPrefix("/tmp/bertd-") {
            chmod(directory, 0o700)
        }
    }
}
