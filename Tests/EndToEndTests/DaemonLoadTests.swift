import Foundation
import Glibc
import JSON
import Testing
import TestSupport

private let tokenModel = "tok=" + Fixtures.url("models/bert-token").path
private let maskedModel = "mlm=" + Fixtures.url("models/bert-mlm").path

/// A request that keeps the tiny fixture model busy for a while (hundreds of sequences).
private func heavyEmbed(id: JSON, timeoutMs: Int? = nil, texts: Int = 600) -> JSON {
    var params: JSONObject = [
        "texts": .array((0..<texts).map { .string(String(repeating: "北京欢迎你来做客", count: 7) + "\($0)") }),
        "model": "tok",
    ]
    if let timeoutMs { params["timeoutMs"] = .integer(Int64(timeoutMs)) }
    return ["jsonrpc": "2.0", "id": id, "method": "annotate/embed", "params": .object(params)]
}

@Suite(.serialized) struct DaemonLoadTests {
    @Test func concurrentClientsGetEveryAnswerMatched() async throws {
        let daemon = try DaemonProcess(arguments: ["--model", tokenModel, "--model", maskedModel])
        defer { daemon.terminate() }
        let warm = try daemon.connect()
        _ = try warm.call("annotate/embed", params: ["texts": ["热身", "warm up"]])
        let before = try #require(try warm.call("bertd/status", id: 2)["result"]?["rssBytes"]?.intValue)

        let clients = 32, requestsEach = 50
        let failures = try await withThrowingTaskGroup(of: [String].self) { group in
            for client in 0..<clients {
                group.addTask {
                    let connection = try daemon.connect()
                    var problems: [String] = []
                    // Pipeline everything, then read: answers may come in any order.
                    var expected: [Int64: String] = [:]
                    for index in 0..<requestsEach {
                        let id = Int64(client * 1000 + index)
                        let text = "第\(client)位客户的第\(index)个请求 text \(index)"
                        let (method, params): (String, JSON) =
                            switch index % 3 {
                            case 0: ("annotate/tokenize", ["text": .string(text), "model": "mlm"])
                            case 1: ("annotate/embed", ["texts": [.string(text), "短句"], "model": "tok"])
                            default: ("bertd/status", .object(JSONObject()))
                            }
                        expected[id] = method
                        try connection.send(["jsonrpc": "2.0", "id": .integer(id), "method": .string(method), "params": params])
                    }
                    for _ in 0..<requestsEach {
                        let answer = try connection.receive()
                        guard let id = answer["id"]?.intValue.map(Int64.init), let method = expected.removeValue(forKey: id) else {
                            problems.append("unexpected answer \(answer)")
                            continue
                        }
                        guard let result = answer["result"] else {
                            problems.append("\(method) failed: \(answer)")
                            continue
                        }
                        if method == "annotate/tokenize", result["tokens"]?.arrayValue?.isEmpty != false {
                            problems.append("no tokens for \(id)")
                        }
                        if method == "annotate/embed", result["embeddings"]?.arrayValue?.count != 2 {
                            problems.append("wrong embeddings for \(id)")
                        }
                    }
                    if !expected.isEmpty { problems.append("\(expected.count) requests unanswered") }
                    return problems
                }
            }
            var all: [String] = []
            for try await problems in group { all += problems }
            return all
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        let after = try #require(try warm.call("bertd/status", id: 3)["result"]?["rssBytes"]?.intValue)
        #expect(Double(after) <= Double(before) * 1.10, "RSS grew from \(before) to \(after) bytes")
    }

    @Test func cancellingQueuedAndRunningWorkAnswersRequestCancelled() throws {
        let daemon = try DaemonProcess(arguments: ["--model", tokenModel])
        defer { daemon.terminate() }
        let client = try daemon.connect()
        try client.send(heavyEmbed(id: "running"))
        try client.send(heavyEmbed(id: "queued"))
        try client.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "queued"]])
        try client.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "running"]])
        var codes: [String: JSON] = [:]
        for _ in 0..<2 {
            let answer = try client.receive()
            codes[answer["id"]?.stringValue ?? "?"] = answer["error"]?["code"] ?? .null
        }
        #expect(codes["queued"] == -32800)
        #expect(codes["running"] == -32800)
        #expect(try client.call("bertd/status", id: 9)["result"] != nil)
    }

    @Test func timeoutMsAnswersTimeout() throws {
        let daemon = try DaemonProcess(arguments: ["--model", tokenModel])
        defer { daemon.terminate() }
        let client = try daemon.connect()
        try client.send(heavyEmbed(id: 1, timeoutMs: 1))
        let answer = try client.receive()
        #expect(answer["error"]?["data"]?["kind"] == "timeout")
    }

    @Test func disconnectingMidRequestCancelsItsWorkAndOthersAreServed() throws {
        // One thread, so one worker: one heavy request runs and three wait.
        let daemon = try DaemonProcess(arguments: ["--model", tokenModel, "--threads", "1"])
        defer { daemon.terminate() }
        let leaving = try daemon.connect()
        for index in 0..<4 { try leaving.send(heavyEmbed(id: .integer(Int64(index)), texts: 200)) }
        let staying = try daemon.connect()
        func queueDepth() throws -> Int? {
            try staying.call("bertd/models", id: 7)["result"]?["models"]?[0]?["queueDepth"]?.intValue
        }
        // Wait until the heavy requests are queued, then hang up.
        let queued = Date().addingTimeInterval(30)  // generous: a loaded machine may parse them late
        while try queueDepth() ?? 0 < 3, Date() < queued { usleep(2_000) }
        #expect(try queueDepth() == 3)
        leaving.disconnect()
        // Queued work of a client that left is dropped at once (running it would take many seconds).
        var depth = try queueDepth()
        for _ in 0..<250 where depth != 0 {
            usleep(2_000)
            depth = try queueDepth()
        }
        #expect(depth == 0)
        let answer = try staying.call("annotate/embed", params: ["text": "还在吗"])
        #expect(answer["result"]?["embeddings"] != nil)
    }

    @Test func sigtermDuringLoadLosesNoAcceptedResponse() throws {
        let daemon = try DaemonProcess(arguments: ["--model", tokenModel, "--grace-period", "30"])
        let client = try daemon.connect()
        for index in 0..<3 { try client.send(heavyEmbed(id: .integer(Int64(index)), texts: 40)) }
        _ = try client.call("bertd/status", id: 100)  // all three are accepted by now
        kill(daemon.process.processIdentifier, SIGTERM)
        var answered = Set<Int>()
        for _ in 0..<3 {
            let answer = try client.receive()
            if answer["result"]?["embeddings"] != nil, let id = answer["id"]?.intValue { answered.insert(id) }
        }
        #expect(answered == [0, 1, 2])
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0)
        daemon.terminate()
    }
}
