import Glibc
import JSON

/// Why an `RPCClient` request failed.
public enum RPCClientError: Error, Sendable, CustomStringConvertible {
    /// The daemon answered the request with a JSON-RPC error object (code, message, data).
    case response(RPCError)
    /// No connection could be made, it broke, timed out, or carried something that is not JSON-RPC.
    case connection(String)

    public var description: String {
        switch self {
        case .response(let error):
            if let kind = error.data?["kind"]?.stringValue { return "\(error.message) (\(kind), code \(error.code))" }
            return "\(error.message) (code \(error.code))"
        case .connection(let detail):
            return detail
        }
    }
}

/// One answer read by `RPCClient.receive()`.
public struct RPCResponse: Sendable, Equatable {
    /// The id of the request answered; nil when the daemon could not tell which one (id null).
    public var id: Int?
    /// The `result` member, or the `error` member as an `RPCError`.
    public var result: Result<JSON, RPCError>

    /// A response.
    public init(id: Int?, result: Result<JSON, RPCError>) {
        self.id = id
        self.result = result
    }
}

/// A small synchronous JSON-RPC 2.0 client for bertd, for command-line tools and tests.
///
/// It talks over one connected stream: a Unix socket (newline-delimited JSON, `connect(socketPath:)`) or
/// the stdin/stdout of a `bertd --stdio` child it starts itself (`Content-Length` headers,
/// `spawn(bertdPath:arguments:)`). `call` sends a request and waits for its answer; `send` and `receive`
/// pipeline many requests over the connection (answers may come back in any order; match them by id).
///
/// Not thread-safe: use one client per thread. Notifications from the daemon (such as LSP diagnostics)
/// are skipped.
public final class RPCClient {
    /// How messages are delimited on this connection.
    public let framing: Framing
    /// The process id of the spawned daemon, nil for a socket connection.
    public let childProcessID: pid_t?
    /// Seconds to wait for each answer before failing with a connection error; nil waits forever.
    public var timeout: Double?

    private var descriptor: Int32
    private var decoder: FrameDecoder
    private var nextID = 1
    /// Answers read while `call` waited for another one; handed out first by `receive`.
    private var stash: [RPCResponse] = []
    private var childStatus: Int32?
    /// Read buffer, reused by every read.
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    /// The largest answer accepted, in bytes (embeddings of many texts can be large).
    public static let maxMessageBytes = 256 << 20

    private init(descriptor: Int32, framing: Framing, childProcessID: pid_t?) {
        self.descriptor = descriptor
        self.framing = framing
        self.childProcessID = childProcessID
        self.decoder = FrameDecoder(framing: framing, maxMessageBytes: Self.maxMessageBytes)
    }

    deinit {
        close()
    }

    // MARK: - Connecting

    /// Connects to a daemon listening on the Unix socket at `socketPath`.
    /// - Throws: `RPCClientError.connection` naming the path and the system error.
    public static func connect(socketPath: String) throws(RPCClientError) -> RPCClient {
        let fd: Int32
        do {
            fd = try UnixSocketListener.connect(to: socketPath)
        } catch .system(let call, _, let code) {
            throw .connection(call == "connect"
                ? "cannot connect to bertd at \(socketPath): \(String(cString: strerror(code)))"
                : "\(call)(): \(String(cString: strerror(code)))")
        } catch {
            throw .connection(error.description)
        }
        return RPCClient(descriptor: fd, framing: .newlineDelimited, childProcessID: nil)
    }

    /// Whether a daemon accepts connections on `socketPath` right now (a stale socket file does not count).
    public static func isListening(socketPath: String) -> Bool {
        UnixSocketListener.isLive(socketPath)
    }

    /// Starts `bertdPath --stdio arguments...` as a child process and initializes it as an LSP peer that
    /// counts positions in Unicode scalars (utf-32), so offsets index `String.unicodeScalars`.
    ///
    /// The child's stdin and stdout are one end of a socket pair (so a write to a child that died fails
    /// with an error instead of raising SIGPIPE); its stderr is this process's stderr. `close()` sends
    /// `shutdown` and `exit` and reaps it.
    /// - Throws: `RPCClientError.connection` when the executable cannot be started or does not answer
    ///   `initialize`.
    public static func spawn(bertdPath: String, arguments: [String] = []) throws(RPCClientError) -> RPCClient {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw .connection("socketpair(): \(String(cString: strerror(errno)))")
        }
        let (ours, theirs) = (pair[0], pair[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies, so only fds 0 and 1 survive exec in the child.
        posix_spawn_file_actions_adddup2(&actions, theirs, 0)
        posix_spawn_file_actions_adddup2(&actions, theirs, 1)

        let argv = ([bertdPath, "--stdio"] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let terminatedArgv = argv + [nil]
        let spawned = posix_spawn(&pid, bertdPath, &actions, nil, terminatedArgv, environ)
        Glibc.close(theirs)
        guard spawned == 0 else {
            Glibc.close(ours)
            throw .connection("cannot start \(bertdPath): \(String(cString: strerror(spawned)))")
        }
        let client = RPCClient(descriptor: ours, framing: .contentLength, childProcessID: pid)
        do {
            _ = try client.call("initialize", [
                "processId": .integer(Int64(getpid())),
                "clientInfo": ["name": "bertd RPCClient"],
                "capabilities": ["general": ["positionEncodings": ["utf-32"]]],
                "initializationOptions": ["positionEncoding": "utf-32"],
            ])
            try client.notify("initialized", .object([:]))
        } catch {
            client.close()
            throw .connection("bertd (\(bertdPath)) did not start: \(error.description)")
        }
        return client
    }

    // MARK: - Requests

    /// Sends a request and waits for its answer.
    /// - Returns: the `result` member.
    /// - Throws: `RPCClientError.response` with the daemon's error object, or `.connection`.
    public func call(_ method: String, _ params: JSON? = nil) throws(RPCClientError) -> JSON {
        let id = try send(method, params)
        while true {
            let response = try readResponse()
            guard response.id == id else {
                stash.append(response)
                continue
            }
            switch response.result {
            case .success(let result): return result
            case .failure(let error): throw .response(error)
            }
        }
    }

    /// Sends a request without waiting for its answer (pipelining); `receive` collects the answers.
    /// - Returns: the request's id.
    @discardableResult
    public func send(_ method: String, _ params: JSON? = nil) throws(RPCClientError) -> Int {
        let id = nextID
        nextID += 1
        var request: JSONObject = ["jsonrpc": "2.0", "id": .integer(Int64(id)), "method": .string(method)]
        if let params { request["params"] = params }
        try write(.object(request))
        return id
    }

    /// Sends a notification (no answer comes back).
    public func notify(_ method: String, _ params: JSON? = nil) throws(RPCClientError) {
        var message: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { message["params"] = params }
        try write(.object(message))
    }

    /// The next answer to a request sent with `send`, in the order the daemon sent them.
    public func receive() throws(RPCClientError) -> RPCResponse {
        if !stash.isEmpty { return stash.removeFirst() }
        return try readResponse()
    }

    // MARK: - Closing

    /// Ends the connection. For a spawned daemon: sends `shutdown` and `exit` as LSP asks, then waits
    /// (a few seconds at most, then terminates it) and returns its exit status.
    @discardableResult
    public func close() -> Int32? {
        guard descriptor >= 0 else { return childStatus }
        if let child = childProcessID, childStatus == nil {
            let previousTimeout = timeout
            timeout = 10
            if (try? call("shutdown")) != nil {
                try? notify("exit")
            }
            timeout = previousTimeout
            Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
            Glibc.close(descriptor)
            descriptor = -1
            childStatus = Self.reap(child, within: 10)
            return childStatus
        }
        Glibc.close(descriptor)
        descriptor = -1
        return childStatus
    }

    /// Waits for `pid` to exit, sending SIGTERM after `seconds` and SIGKILL after twice that.
    private static func reap(_ pid: pid_t, within seconds: Double) -> Int32? {
        var status: Int32 = 0
        let step: useconds_t = 10_000
        var waited = 0.0
        var signalled = false
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return exitStatus(status) }
            if result < 0 && errno != EINTR { return nil }
            if waited >= seconds && !signalled {
                kill(pid, SIGTERM)
                signalled = true
            } else if waited >= 2 * seconds {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return exitStatus(status)
            }
            usleep(step)
            waited += Double(step) / 1_000_000
        }
    }

    /// The exit code of a `waitpid` status, or 128 + the signal number for a killed process.
    private static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    // MARK: - Transport

    private func write(_ message: JSON) throws(RPCClientError) {
        guard descriptor >= 0 else { throw .connection("the connection is closed") }
        let bytes = framing.frame(message.serialized())
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                // MSG_NOSIGNAL: a daemon that went away must give an error here, not kill us with SIGPIPE.
                let written = Glibc.send(descriptor, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    failure = written < 0 ? errno : EPIPE
                    return
                }
            }
        }
        if failure != 0 {
            throw .connection("cannot send to bertd: \(String(cString: strerror(failure)))\(childExitNote())")
        }
    }

    /// Reads messages until an answer arrives, skipping the daemon's notifications.
    private func readResponse() throws(RPCClientError) -> RPCResponse {
        while true {
            while let event = decoder.next() {
                switch event {
                case .malformed(let reason):
                    throw .connection("bertd sent a malformed message: \(reason)")
                case .message(let body):
                    if let response = try Self.response(from: body) { return response }
                }
            }
            try fill()
        }
    }

    /// Interprets one message body; nil for a notification or a request from the daemon.
    private static func response(from body: [UInt8]) throws(RPCClientError) -> RPCResponse? {
        let message: JSON
        do {
            message = try JSON.parse(body)
        } catch {
            throw .connection("bertd sent invalid JSON: \(error.description)")
        }
        guard case .object(let object) = message else {
            throw .connection("bertd sent a \(message.typeName) where a response object was expected")
        }
        if object["method"] != nil { return nil }
        let id: Int?
        switch object["id"] {
        case .integer(let value)?: id = Int(exactly: value)
        case .null?, nil: id = nil
        case let other?: throw .connection("bertd answered with an unexpected id \(other.serializedString)")
        }
        if let result = object["result"] { return RPCResponse(id: id, result: .success(result)) }
        guard let error = object["error"], let code = error["code"]?.intValue,
              let text = error["message"]?.stringValue
        else {
            throw .connection("bertd sent a response with neither a result nor a valid error: \(message.serializedString)")
        }
        return RPCResponse(id: id, result: .failure(RPCError(code: code, message: text, data: error["data"])))
    }

    /// Reads what is available (waiting up to `timeout`) into the decoder.
    private func fill() throws(RPCClientError) {
        guard descriptor >= 0 else { throw .connection("the connection is closed") }
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = timeout.map { Int32(min($0 * 1000, Double(Int32.max))) } ?? -1
        var ready: Int32
        repeat {
            ready = poll(&waiting, 1, milliseconds)
        } while ready < 0 && errno == EINTR
        if ready == 0 {
            throw .connection("bertd did not answer within \(timeout.map { "\($0)" } ?? "?") seconds")
        }
        var count: Int
        repeat {
            count = chunk.withUnsafeMutableBytes { Glibc.recv(descriptor, $0.baseAddress, $0.count, 0) }
        } while count < 0 && errno == EINTR
        // A peer that exits with unread bytes in its buffer resets the connection: that is a close too.
        if count < 0 && errno != ECONNRESET {
            throw .connection("cannot read from bertd: \(String(cString: strerror(errno)))\(childExitNote())")
        }
        if count <= 0 {
            throw .connection("bertd closed the connection\(childExitNote())")
        }
        decoder.append(chunk[0..<count])
    }

    /// For a spawned daemon that has died, how it ended (reaping it), e.g. " (bertd exited with status 2)".
    private func childExitNote() -> String {
        guard let child = childProcessID else { return "" }
        if childStatus == nil {
            var status: Int32 = 0
            // The child closes its end as it exits; give it a moment to be reapable.
            for _ in 0..<100 {
                if waitpid(child, &status, WNOHANG) == child {
                    childStatus = Self.exitStatus(status)
                    break
                }
                usleep(10_000)
            }
        }
        return childStatus.map { " (bertd exited with status \($0))" } ?? ""
    }
}
