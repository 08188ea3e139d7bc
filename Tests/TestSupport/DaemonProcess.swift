import Foundation
import Glibc
import JSON
import RPC

/// A real `bertd` process started for a test, on a private temporary socket and/or stdio pipes.
public final class DaemonProcess: @unchecked Sendable {
    /// The running process.
    public let process: Process
    /// The temporary directory holding the socket (removed by `terminate`).
    public let directory: URL
    /// The socket path, when serving a socket.
    public let socketPath: String?
    /// The daemon's stdin (for stdio mode).
    public let input: FileHandle
    /// The daemon's stdout (for stdio mode).
    public let output: FileHandle
    private let errorPipe = Pipe()

    /// The built `bertd` executable next to the test bundle.
    public static var executable: URL {
        productsDirectory.appendingPathComponent("bertd")
    }

    /// The build products folder (where the test binary and the executables are).
    public static var productsDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("bertd").path) { return url }
        }
        return Fixtures.packageRoot.appendingPathComponent(".build/debug")
    }

    /// Starts `bertd` with `arguments`; with `socket: true`, adds `--socket <temp>/bertd.sock` and waits
    /// until it accepts connections.
    public init(arguments: [String], socket: Bool = true) throws {
        directory = try Fixtures.temporaryDirectory(prefix: "bertd-e2e")
        let path = socket ? directory.appendingPathComponent("bertd.sock").path : nil
        socketPath = path
        process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + (path.map { ["--socket", $0] } ?? [])
        let inputPipe = Pipe()
        let outputPipe = Pipe()
        process.standardInput = inputPipe
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        input = inputPipe.fileHandleForWriting
        output = outputPipe.fileHandleForReading
        try process.run()
        if let path { _ = try waitForListener(at: path) }
    }

    /// Waits until the daemon accepts a connection on `path` and returns that connection; throws when the daemon
    /// exits first or `timeout` passes (generous: a loaded CI machine may start it slowly).
    public func waitForListener(at path: String, timeout: TimeInterval = 60) throws -> SocketClient {
        let deadline = Date().addingTimeInterval(timeout)
        // The socket file appears at bind(), a moment before listen() (and a stale file may be there before
        // either): wait until a connection succeeds.
        while true {
            if let client = try? SocketClient(path: path) { return client }
            guard process.isRunning, Date() < deadline else {
                throw DaemonError("bertd did not listen on \(path); stderr: \(standardErrorText())")
            }
            usleep(10_000)
        }
    }

    /// Connects a new socket client.
    public func connect() throws -> SocketClient {
        guard let socketPath else { throw DaemonError("not serving a socket") }
        return try SocketClient(path: socketPath)
    }

    /// Sends a signal and waits (bounded) for exit; returns the exit status.
    @discardableResult
    public func terminate(signal: Int32 = SIGTERM, timeout: TimeInterval = 20) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
        return process.terminationStatus
    }

    /// What the daemon wrote to stderr so far (only once it has exited, to avoid blocking).
    public func standardErrorText() -> String {
        guard !process.isRunning else { return "(still running)" }
        return String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    deinit {
        if process.isRunning { terminate(signal: SIGKILL) }
    }
}

/// A failure of the test harness itself.
public struct DaemonError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A newline-delimited JSON-RPC client over a Unix socket, with a receive timeout.
public final class SocketClient: @unchecked Sendable {
    /// The connected socket.
    public let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to `path`.
    public init(path: String) throws {
        do {
            descriptor = try UnixSocketListener.connect(to: path)
        } catch {
            throw DaemonError("connect(\(path)) failed: \(error)")
        }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    /// Sends raw bytes.
    public func send(raw bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw DaemonError("send failed: errno \(errno)") }
            offset += written
        }
    }

    /// Sends one JSON message followed by a newline.
    public func send(_ message: JSON) throws {
        try send(raw: message.serialized() + [UInt8(ascii: "\n")])
    }

    /// Sends a request and returns its answer (which must be the next line).
    public func call(_ method: String, id: JSON = 1, params: JSON? = nil) throws -> JSON {
        var request: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if let params { request["params"] = params }
        try send(.object(request))
        return try receive()
    }

    /// Reads the next newline-delimited message.
    public func receive() throws -> JSON {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                return try JSON.parse(line)
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw DaemonError("connection closed or timed out (errno \(errno))") }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// Shuts the connection down in both directions.
    public func disconnect() {
        shutdown(descriptor, Int32(SHUT_RDWR))
    }
}
