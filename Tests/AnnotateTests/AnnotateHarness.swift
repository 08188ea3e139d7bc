import Foundation
import Glibc
import JSON
import RPC
import Testing
import TestSupport

/// What one run of the `annotate` binary produced.
struct AnnotateRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Non-empty stdout lines.
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

/// Runs the built `annotate` and daemons for it, each test on its own sockets and directories.
enum AnnotateHarness {
    /// The built `annotate` executable (built with the tests by `swift build --build-tests`).
    static var executable: URL { DaemonProcess.productsDirectory.appendingPathComponent("annotate") }

    static func fixture(_ path: String) -> String { Fixtures.url(path).path }

    /// The models every socket test serves: NER (also segments), correction, QA.
    static let modelArguments = [
        "--model", "ner=\(fixture("tasks/ner-bio"))",
        "--model", "csc=\(fixture("tasks/csc"))",
        "--model", "qa=\(fixture("models/bert-qa"))",
    ]

    /// Starts bertd on a temporary socket with `modelArguments` (`DaemonProcess` waits until it accepts
    /// connections).
    static func startDaemon() throws -> DaemonProcess {
        try DaemonProcess(arguments: modelArguments)
    }

    /// An environment where no default daemon can be found: an empty runtime directory, no
    /// `$BERTD_SOCKET`, no `NO_COLOR` (unless `extra` sets it).
    static func isolatedEnvironment(runtimeDirectory: URL, extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["BERTD_SOCKET"] = nil
        environment["NO_COLOR"] = nil
        environment["XDG_RUNTIME_DIR"] = runtimeDirectory.path
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Runs `annotate arguments` with `input` on stdin (else /dev/null); stdout and stderr go to files,
    /// so large outputs never block on a pipe.
    static func run(_ arguments: [String], input: String? = nil, environment extra: [String: String] = [:]) throws -> AnnotateRun {
        let directory = try Fixtures.temporaryDirectory(prefix: "annotate-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = isolatedEnvironment(runtimeDirectory: directory, extra: extra)
        let inputURL = directory.appendingPathComponent("stdin")
        try Data((input ?? "").utf8).write(to: inputURL)
        let outputURL = directory.appendingPathComponent("stdout")
        let errorURL = directory.appendingPathComponent("stderr")
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)
        let inputHandle = try FileHandle(forReadingFrom: input == nil ? URL(fileURLWithPath: "/dev/null") : inputURL)
        let outputHandle = try FileHandle(forWritingTo: outputURL)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        defer {
            try? inputHandle.close()
            try? outputHandle.close()
            try? errorHandle.close()
        }
        process.standardInput = inputHandle
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        try process.run()
        try waitForExit(process, seconds: 120)
        return AnnotateRun(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
    }

    /// Waits for `process`, killing it (and failing) past `seconds`.
    static func waitForExit(_ process: Process, seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw DaemonError("annotate did not finish within \(seconds) s")
            }
            usleep(5_000)
        }
    }

    /// Runs `annotate arguments` with stdout on a pseudo-terminal, as a user at a terminal sees it.
    static func runOnTerminal(_ arguments: [String], environment extra: [String: String]) throws -> AnnotateRun {
        let directory = try Fixtures.temporaryDirectory(prefix: "annotate-tty")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pty = try PseudoTerminalFunctions()
        let master = pty.openMaster(O_RDWR | O_NOCTTY)
        guard master >= 0, pty.grant(master) == 0, pty.unlock(master) == 0, let name = pty.slaveName(master) else {
            throw DaemonError("cannot open a pseudo-terminal: errno \(errno)")
        }
        defer { close(master) }
        let terminal = try FileHandle(forWritingTo: URL(fileURLWithPath: String(cString: name)))
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = isolatedEnvironment(runtimeDirectory: directory, extra: extra)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = terminal
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        try terminal.close()
        // Read the terminal while the command runs (a pty holds only a few KiB); EIO: every writer is gone.
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 100) > 0 {
                let count = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                output += chunk[0..<count]
            } else if !process.isRunning {
                break
            }
        }
        try waitForExit(process, seconds: 10)
        return AnnotateRun(
            status: process.terminationStatus,
            stdout: String(decoding: output, as: UTF8.self),
            stderr: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// The text of `scalars[start..<end]`, or nil when out of range.
    static func slice(_ text: String, _ start: Int, _ end: Int) -> String? {
        let scalars = Array(text.unicodeScalars)
        guard start >= 0, start <= end, end <= scalars.count else { return nil }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<end])
        return String(view)
    }
}

/// glibc's pseudo-terminal functions, looked up at run time: Swift's Glibc module leaves them out (they
/// sit behind _XOPEN_SOURCE in <stdlib.h>).
struct PseudoTerminalFunctions {
    let openMaster: @convention(c) (Int32) -> Int32
    let grant: @convention(c) (Int32) -> Int32
    let unlock: @convention(c) (Int32) -> Int32
    let slaveName: @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?

    init() throws {
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
                throw DaemonError("\(name) is not available")
            }
            return unsafeBitCast(address, to: type)
        }
        openMaster = try symbol("posix_openpt", as: (@convention(c) (Int32) -> Int32).self)
        grant = try symbol("grantpt", as: (@convention(c) (Int32) -> Int32).self)
        unlock = try symbol("unlockpt", as: (@convention(c) (Int32) -> Int32).self)
        slaveName = try symbol("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
    }
}
