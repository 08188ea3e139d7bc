import Foundation
import Testing
import TestSupport

/// Runs the Python client's own tests (Clients/python/test_bertd_client.py) against the daemon this build
/// produced, so `swift test` exercises the client too. Skipped, by name, where no python3 is installed.
struct PythonClientTests {
    /// The first `python3` on PATH.
    static let python: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent("python3") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    @Test(.enabled(if: python != nil, "python3 is not on PATH: the Python client's tests cannot run"),
          .timeLimit(.minutes(1)))
    func pythonClientPassesItsTestsAgainstTheRealDaemon() throws {
        guard let python = Self.python else {
            Issue.record("python3 vanished from PATH")
            return
        }
        let process = Process()
        process.executableURL = python
        let script = Fixtures.packageRoot.appendingPathComponent("Clients/python/test_bertd_client.py")
        process.arguments = [script.path]
        var environment = ProcessInfo.processInfo.environment
        environment["BERTD_BIN"] = DaemonProcess.executable.path
        environment["BERTD_REQUIRE"] = "1"  // a missing daemon fails instead of skipping
        environment["PYTHONDONTWRITEBYTECODE"] = "1"  // leave no __pycache__ in the source tree
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Read before waiting: a full pipe would otherwise block the child forever.
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 test_bertd_client.py failed:\n\(text)")
        #expect(text.contains("Ran ") && !text.contains("skipped"), "unexpected unittest output:\n\(text)")
    }
}
