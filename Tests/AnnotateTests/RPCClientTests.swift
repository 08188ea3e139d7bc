import Foundation
import Glibc
import JSON
import RPC
import Testing
import TestSupport

@Suite struct RPCClientTests {
    @Test func callsOverTheSocketAndReturnsTypedErrors() throws {
        let daemon = try AnnotateHarness.startDaemon()
        defer { daemon.terminate() }
        let client = try RPCClient.connect(socketPath: try #require(daemon.socketPath))
        client.timeout = 60
        #expect(client.framing == .newlineDelimited)

        let tokens = try client.call("annotate/tokenize", ["text": "北京", "model": "ner"])
        #expect(tokens["tokens"]?.arrayValue?.compactMap { $0["token"]?.stringValue } == ["[CLS]", "北", "京", "[SEP]"])

        do {
            _ = try client.call("annotate/label", ["text": "x", "model": "missing"])
            Issue.record("a missing model must fail")
        } catch {
            guard case .response(let rpcError) = error else {
                Issue.record("expected a response error, got \(error)")
                return
            }
            #expect(rpcError.code == -32001)
            #expect(rpcError.data?["kind"]?.stringValue == "modelNotLoaded")
            #expect(rpcError.message.contains("missing"))
        }
        // The connection survives a request error.
        #expect(try client.call("bertd/status")["version"]?.stringValue != nil)
    }

    @Test func pipelinedRequestsAreAllAnsweredOnce() throws {
        let daemon = try AnnotateHarness.startDaemon()
        defer { daemon.terminate() }
        let client = try RPCClient.connect(socketPath: try #require(daemon.socketPath))
        client.timeout = 60
        var sent: [Int: String] = [:]
        for index in 0..<100 {
            let text = String(repeating: "字", count: index % 7 + 1)
            sent[try client.send("annotate/tokenize", ["text": .string(text), "model": "ner"])] = text
        }
        var answered: Set<Int> = []
        for _ in 0..<100 {
            let response = try client.receive()
            let id = try #require(response.id)
            #expect(answered.insert(id).inserted, "id \(id) answered twice")
            let expected = try #require(sent[id])
            // [CLS] + one token per character + [SEP]
            #expect(try response.result.get()["count"]?.intValue == expected.count + 2)
        }
        #expect(answered == Set(sent.keys))
    }

    @Test func spawnsBertdOnStdioWithScalarOffsetsAndReapsIt() throws {
        let client = try RPCClient.spawn(
            bertdPath: DaemonProcess.executable.path,
            arguments: ["--log-level", "warning", "--model", "ner=\(AnnotateHarness.fixture("tasks/ner-bio"))"])
        client.timeout = 60
        #expect(client.framing == .contentLength)
        let pid = try #require(client.childProcessID)
        #expect(kill(pid, 0) == 0)
        // "😀" is one scalar but two UTF-16 units: scalar offsets prove the utf-32 negotiation.
        let result = try client.call("annotate/tokenize", ["text": "😀北京", "model": "ner", "addSpecialTokens": false])
        let spans = result["tokens"]?.arrayValue?.compactMap { token -> [Int]? in
            guard let start = token["start"]?.intValue, let end = token["end"]?.intValue else { return nil }
            return [start, end]
        }
        #expect(spans?.last == [2, 3])
        #expect(client.close() == 0)
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func connectionFailuresAreConnectionErrors() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nobody.sock").path
        #expect(!RPCClient.isListening(socketPath: path))
        do {
            _ = try RPCClient.connect(socketPath: path)
            Issue.record("connecting to a missing socket must fail")
        } catch {
            guard case .connection(let message) = error else {
                Issue.record("expected a connection error, got \(error)")
                return
            }
            #expect(message.contains(path))
        }
        do {
            _ = try RPCClient.spawn(bertdPath: directory.appendingPathComponent("no-such-bertd").path)
            Issue.record("spawning a missing executable must fail")
        } catch {
            guard case .connection(let message) = error else {
                Issue.record("expected a connection error, got \(error)")
                return
            }
            #expect(message.contains("no-such-bertd"))
        }
    }

    @Test func childThatDiesIsReportedWithItsStatus() throws {
        // bertd exits with status 2 when a model cannot be loaded, before answering initialize.
        do {
            _ = try RPCClient.spawn(bertdPath: DaemonProcess.executable.path,
                                    arguments: ["--log-level", "critical", "--model", "x=/nonexistent-model-dir"])
            Issue.record("a daemon that cannot start must fail")
        } catch {
            #expect(error.description.contains("exited with status 2"))
        }
    }
}
