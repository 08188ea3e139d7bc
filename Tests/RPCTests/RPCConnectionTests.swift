import JSON
import Logging
import Synchronization
import Testing
@testable import RPC
import TestSupport

final class EventLog: Sendable {
    let items = Mutex<[String]>([])
}

private func makeServer(limits: RPCLimits = RPCLimits()) -> (RPCServer, EventLog) {
    var table = MethodTable()
    let log = EventLog()
    table.register("echo") { params, _ in params ?? .null }
    table.register("add") { params, _ in
        let reader = JSONReader(params ?? .object([:]))
        let a = try reader.required("a", as: Int.self)
        let b = try reader.required("b", as: Int.self)
        return .integer(Int64(a + b))
    }
    table.register("slow") { _, _ in
        try await Task.sleep(for: .seconds(30))
        return "done"
    }
    table.register("fail") { _, _ in throw RPCError.server(.modelNotLoaded, "no model named x") }
    table.register("note", ordered: true) { params, _ in
        try await Task.sleep(for: .milliseconds(Int(params?["delay"]?.intValue ?? 0)))
        log.items.withLock { $0.append(params?["tag"]?.stringValue ?? "?") }
        return .null
    }
    table.register("readLog") { _, _ in .array(log.items.withLock { $0 }.map { .string($0) }) }
    let server = RPCServer(table: table, limits: limits, logger: Logger(label: "test"))
    return (server, log)
}

private func send(_ connection: RPCConnection, _ text: String) {
    connection.receive(Array((text + "\n").utf8))
}

@Suite struct RPCConnectionTests {
    @Test func answersRequestsKeepingTheIdType() async throws {
        let (server, _) = makeServer()
        let sink = CollectingSink()
        let connection = server.connect(sink: sink)
        send(connection, #"{"jsonrpc":"2.0","id":"abc","method":"echo","params":[1]}"#)
        send(connection, #"{"jsonrpc":"2.0","id":7.5,"method":"echo","params":{"x":"中"}}"#)
        send(connection, #"{"jsonrpc":"2.0","id":null,"method":"echo","params":[]}"#)
        let messages = try await sink.waitFor(3)
        let byID = Dictionary(messages.map { ($0["id"]!, $0["result"]!) }, uniquingKeysWith: { a, _ in a })
        #expect(byID[.string("abc")] == .array([1]))
        #expect(byID[.double(7.5)] == .object(["x": "中"]))
        #expect(byID[.null] == .array([]))
    }

    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":1,"method":"nope"}"#, -32601, JSON.integer(1)),
        (#"{"jsonrpc":"2.0","id":1,"#, -32700, JSON.null),
        (#"[]"#, -32600, JSON.null),
        (#"{"id":2,"method":"echo"}"#, -32600, JSON.integer(2)),
        (#"{"jsonrpc":"2.0","id":3,"method":5}"#, -32600, JSON.integer(3)),
        (#"{"jsonrpc":"2.0","id":4,"method":"echo","params":"x"}"#, -32600, JSON.integer(4)),
        (#"{"jsonrpc":"2.0","id":{"a":1},"method":"echo"}"#, -32600, JSON.null),
        (#""just a string""#, -32600, JSON.null),
        (#"{"jsonrpc":"2.0","id":5,"method":"add","params":{"a":1,"b":"2"}}"#, -32602, JSON.integer(5)),
        (#"{"jsonrpc":"2.0","id":6,"method":"fail"}"#, -32001, JSON.integer(6)),
    ])
    func errorsCarryCodeAndRecoveredID(input: String, code: Int, id: JSON) async throws {
        let (server, _) = makeServer()
        let sink = CollectingSink()
        let connection = server.connect(sink: sink)
        send(connection, input)
        let messages = try await sink.waitFor(1)
        let response = try #require(messages.first)
        #expect(response["error"]?["code"] == .integer(Int64(code)))
        #expect(response["id"] == id)
    }

    @Test func invalidParamsNameTheField() async throws {
        let (server, _) = makeServer()
        let sink = CollectingSink()
        let connection = server.connect(sink: sink)
        send(connection, #"{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":"2"}}"#)
        let response = try #require(try await sink.waitFor(1).first)
        #expect(response["error"]?["message"] == "params.b: expected integer, got string")
        #expect(response["error"]?["data"]?["field"] == "params.b")
    }

    @Test func serverErrorsCarryAStableKind() async throws {
        let (server, _) = makeServer()
        let sink = CollectingSink()
        send(server.connect(sink: sink), #"{"jsonrpc":"2.0","id":1,"method":"fail"}"#)
        let response = try #require(try await sink.waitFor(1).first)
        #expect(response["error"]?["data"]?["kind"] == "modelNotLoaded")
    }

    @Test func batchesAnswerTogetherAndSkipNotifications() async throws {
        let (server, _) = makeServer()
        let sink = CollectingSink()
        let connection = server.connect(sink: sink)
        send(connection, #"[{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":2}},"#
            + #"{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","id":2,"method":"nope"},5]"#)
        let messages = try await sink.waitFor(1)
        let batch = try #require(messages.first?.arrayValue)
        #expect(batch.count == 3)
        #expect(batch.contains { $0["id"] == 1 && $0["result"] == 3 })
        #expect(batch.contains { $0["id"] == 2 && $0["error"]?["code"] == -32601 })
        #expect(batch.contains { $0["id"] == .null && $0["error"]?["code"] == -32600 })
    }

    @Test func notificationOnlyBatchGetsNoAnswer() async throws {
        let (server, _) = makeServer()
        let sink = CollectingSink()
        let connection = server.connect(sink: sink)
        send(connection, #"[{"jsonrpc":"2.0","method":"echo"}]"#)
        send(connection, #"{"jsonrpc":"2.0","id":9,"method":"echo"}"#)
        let messages = try await sink.waitFor(1)
        try await Task.sleep(for: .milliseconds(50))
        #expect(sink.messages.count == 1)
        #expect(messages.first?["id"] == 9)
    }

    @Test func cancelRequestAnswersWithRequestCancelled() async throws {
        let (server, _) = makeServer()
        let sink = CollectingSink()
        let connection = server.connect(sink: sink)
        send(connection, #"{"jsonrpc":"2.0","id":"s","method":"slow"}"#)
        try await Task.sleep(for: .milliseconds(20))
        send(connection, #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"s"}}"#)
        let response = try #require(try await sink.waitFor(1).first)
        #expect(response["id"] == "s")
        #expect(response["error"]?["code"] == -32800)
    }

    @Test func closingTheConnectionCancelsItsWork() async throws {
        let (server, _) = makeServer()
        let sink = CollectingSink()
        let connection = server.connect(sink: sink)
        send(connection, #"{"jsonrpc":"2.0","id":1,"method":"slow"}"#)
        try await Task.sleep(for: .milliseconds(20))
        #expect(server.pendingRequestCount == 1)
        connection.close()
        await connection.drain()
        #expect(server.pendingRequestCount == 0)
        #expect(server.connectionCount == 0)
    }

    @Test func orderedMessagesRunInArrivalOrder() async throws {
        let (server, _) = makeServer()
        let sink = CollectingSink()
        let connection = server.connect(sink: sink)
        send(connection, #"{"jsonrpc":"2.0","method":"note","params":{"tag":"a","delay":40}}"#)
        send(connection, #"{"jsonrpc":"2.0","method":"note","params":{"tag":"b","delay":0}}"#)
        send(connection, #"{"jsonrpc":"2.0","id":1,"method":"readLog"}"#)
        let response = try #require(try await sink.waitFor(1).first)
        #expect(response["result"] == ["a", "b"])
    }

    @Test func shutdownRefusesNewWork() async throws {
        let (server, _) = makeServer()
        let sink = CollectingSink()
        let connection = server.connect(sink: sink)
        server.beginShutdown()
        send(connection, #"{"jsonrpc":"2.0","id":1,"method":"echo"}"#)
        let response = try #require(try await sink.waitFor(1).first)
        #expect(response["error"]?["data"]?["kind"] == "shuttingDown")
    }

    @Test func oversizedBatchIsRefused() async throws {
        let (server, _) = makeServer(limits: RPCLimits(maxBatchSize: 2))
        let sink = CollectingSink()
        send(server.connect(sink: sink), #"[{"jsonrpc":"2.0","id":1,"method":"echo"},{"jsonrpc":"2.0","id":2,"method":"echo"},{"jsonrpc":"2.0","id":3,"method":"echo"}]"#)
        let response = try #require(try await sink.waitFor(1).first)
        #expect(response["error"]?["data"]?["kind"] == "inputTooLong")
    }

    @Test func contentLengthPeersGetContentLengthAnswers() async throws {
        let (server, _) = makeServer()
        let sink = RawSink()
        let connection = server.connect(sink: sink)
        let body = #"{"jsonrpc":"2.0","id":1,"method":"echo","params":[]}"#
        connection.receive(Array("Content-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
        let deadline = ContinuousClock.now + .seconds(30)  // generous: a loaded machine may schedule late
        while sink.text.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(sink.text.hasPrefix("Content-Length: "))
    }
}

