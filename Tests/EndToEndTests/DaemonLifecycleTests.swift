import Foundation
import Glibc
import JSON
import RPC
import Tensor
import Testing
import TestSupport

@Suite(.serialized) struct DaemonLifecycleTests {
    @Test func socketIsPrivateAndRemovedOnSIGTERM() throws {
        let daemon = try DaemonProcess(arguments: [])
        let path = try #require(daemon.socketPath)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let client = try daemon.connect()
        let status = try client.call("bertd/status")
        #expect(status["result"]?["version"]?.stringValue != nil)
        #expect(daemon.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func liveSocketIsNeverClobbered() throws {
        let daemon = try DaemonProcess(arguments: [])
        defer { daemon.terminate() }
        let second = Process()
        second.executableURL = DaemonProcess.executable
        second.arguments = ["--socket", try #require(daemon.socketPath)]
        let errors = Pipe()
        second.standardError = errors
        try second.run()
        second.waitUntilExit()
        #expect(second.terminationStatus == 2)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("already listening"))
        #expect(try daemon.connect().call("bertd/status")["result"] != nil)
    }

    @Test func staleSocketIsReplaced() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("stale.sock").path
        // A socket file nobody listens on: bind, then close without unlinking.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = try UnixSocketListener.address(path)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(FileManager.default.fileExists(atPath: path))
        let daemon = try DaemonProcess(arguments: ["--socket", path], socket: false)
        defer { daemon.terminate() }
        let connected = try daemon.waitForListener(at: path)
        #expect(try connected.call("bertd/status")["result"] != nil)
    }

    @Test func stdioSpeaksContentLengthAndExitsOnExit() throws {
        let daemon = try DaemonProcess(arguments: ["--stdio"], socket: false)
        func frame(_ text: String) -> Data {
            Data("Content-Length: \(text.utf8.count)\r\n\r\n\(text)".utf8)
        }
        daemon.input.write(frame(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{"general":{"positionEncodings":["utf-32","utf-16"]}}}}"#))
        daemon.input.write(frame(#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#))
        daemon.input.write(frame(#"{"jsonrpc":"2.0","method":"exit"}"#))
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0)
        let text = String(decoding: daemon.output.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.hasPrefix("Content-Length: "))
        #expect(text.contains(#""positionEncoding":"utf-32""#))
        #expect(text.contains(#""id":2,"result":null"#))
    }

    @Test func malformedInputGetsErrorsAndTheDaemonKeepsServing() throws {
        let daemon = try DaemonProcess(arguments: ["--max-message-bytes", "1000000"])
        defer { daemon.terminate() }
        let client = try daemon.connect()
        try client.send(raw: Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"\n".utf8))
        #expect(try client.receive()["error"]?["code"] == -32700)
        try client.send(raw: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D, 0x0A])
        #expect(try client.receive()["error"]?["code"] == -32700)
        try client.send(raw: Array("[1,2]\n".utf8))
        #expect(try client.receive()["result"] == nil)
        let huge = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"bertd/status\",\"params\":{\"x\":\""
            + String(repeating: "a", count: 10 << 20) + "\"}}\n"
        try client.send(raw: Array(huge.utf8))
        let refusal = try client.receive()
        #expect(refusal["error"]?["code"] == -32700)
        #expect(refusal["error"]?["message"]?.stringValue?.contains("exceeds the limit") == true)
        #expect(try client.call("bertd/status", id: 3)["id"] == 3)
    }

    @Test func configFileNamesModelsAndFlagsWin() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("bertd.json")
        let model = Fixtures.url("models/bert-token").path
        try Data(#"{"models": {"fromfile": "\#(model)"}, "maxTexts": 2, "logLevel": "warning", "precision": "int8"}"#.utf8)
            .write(to: config)
        let daemon = try DaemonProcess(arguments: ["--config", config.path, "--max-texts", "3"])
        defer { daemon.terminate() }
        let client = try daemon.connect()
        let models = try client.call("bertd/models")
        #expect(models["result"]?["models"]?[0]?["name"] == "fromfile")
        // 8-bit weights where the CPU has AVX-512 VNNI, else float32.
        let expected = QuantizedWeight.available ? "int8" : "float32"
        #expect(models["result"]?["models"]?[0]?["precision"]?.stringValue == expected)
        let tooMany = try client.call("annotate/embed", id: 2, params: ["texts": ["a", "b", "c", "d"]])
        #expect(tooMany["error"]?["data"]?["limit"] == 3)
    }

    @Test(arguments: [
        (#"{"threads": "two"}"#, "config.threads: expected integer, got string"),
        (#"{"precision": "int4"}"#, "config.precision: expected float32 or int8"),
    ])
    func badConfigFileExitsWithTheFieldNamed(_ content: String, _ expected: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("bad.json")
        try Data(content.utf8).write(to: config)
        let process = Process()
        process.executableURL = DaemonProcess.executable
        process.arguments = ["--config", config.path, "--socket", directory.appendingPathComponent("s").path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains(expected), "\(message)")
    }
}
