import Testing
@testable import RPC

/// Feeds `chunks` one after another and collects every event.
private func decode(_ chunks: [String], framing: Framing? = nil, limit: Int = 1 << 20) -> [FrameEvent] {
    var decoder = FrameDecoder(framing: framing, maxMessageBytes: limit)
    var events: [FrameEvent] = []
    for chunk in chunks {
        decoder.append(Array(chunk.utf8))
        while let event = decoder.next() { events.append(event) }
    }
    return events
}

private func message(_ text: String) -> FrameEvent { .message(Array(text.utf8)) }

@Suite struct FrameDecoderTests {
    @Test func detectsFramingFromFirstByte() {
        #expect(Framing.detect(firstByte: UInt8(ascii: "{")) == .newlineDelimited)
        #expect(Framing.detect(firstByte: UInt8(ascii: "[")) == .newlineDelimited)
        #expect(Framing.detect(firstByte: UInt8(ascii: "C")) == .contentLength)
        #expect(Framing.detect(firstByte: UInt8(ascii: "c")) == .contentLength)
    }

    @Test(arguments: [
        // (chunks, expected bodies)
        (["Content-Length: 2\r\n\r\n{}"], ["{}"]),
        (["content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}"], ["{}"]),
        (["Content-Length: 2\n\n{}"], ["{}"]),
        (["Content-Len", "gth: 7\r", "\n\r\n{\"a\"", ":1}"], ["{\"a\":1}"]),
        (["Content-Length: 2\r\n\r\n{}Content-Length: 2\r\n\r\n[]"], ["{}", "[]"]),
        (["\r\n  Content-Length: 1\r\n\r\n1"], ["1"]),
        (["{\"a\":1}\n{\"b\":2}\r\n"], ["{\"a\":1}", "{\"b\":2}"]),
        (["{\"a\":", "1}\n\n\n[1]\n"], ["{\"a\":1}", "[1]"]),
        (["{\"a\":1}"], []),
    ])
    func cutsMessages(chunks: [String], bodies: [String]) {
        #expect(decode(chunks) == bodies.map(message))
    }

    @Test func multiByteBodyLengthCountsBytes() {
        let body = "{\"t\":\"中文😀\"}"
        #expect(decode(["Content-Length: \(body.utf8.count)\r\n\r\n" + body]) == [message(body)])
    }

    @Test(arguments: [
        ("Content-Length: -3\r\n\r\n{}Content-Length: 2\r\n\r\n{}", "invalid Content-Length value"),
        ("Content-Length: abc\r\n\r\nContent-Length: 2\r\n\r\n{}", "invalid Content-Length value"),
        ("Content-Type: x\r\n\r\nContent-Length: 2\r\n\r\n{}", "missing Content-Length header"),
        ("garbage\r\n\r\nContent-Length: 2\r\n\r\n{}", "header line without a colon"),
        ("Content-Length: 99999999999999999999\r\n\r\nContent-Length: 2\r\n\r\n{}", "invalid Content-Length value"),
    ])
    func badHeadersAreSkippedAndStreamContinues(input: String, reason: String) throws {
        let events = decode([input])
        try #require(events.count == 2)
        guard case .malformed(let text) = events[0] else {
            Issue.record("expected malformed, got \(events[0])")
            return
        }
        #expect(text.contains(reason))
        #expect(events[1] == message("{}"))
    }

    @Test func oversizedContentLengthBodyIsSkippedWithoutBuffering() {
        let big = String(repeating: "x", count: 5000)
        var decoder = FrameDecoder(maxMessageBytes: 1000)
        decoder.append(Array("Content-Length: 5000\r\n\r\n".utf8))
        #expect(decoder.next() == .malformed("message of 5000 bytes exceeds the limit of 1000 bytes"))
        for chunk in stride(from: 0, to: 5000, by: 700) {
            let end = min(chunk + 700, 5000)
            decoder.append(Array(big.utf8)[chunk..<end])
            #expect(decoder.next() == nil)
            #expect(decoder.pendingByteCount == 0)
        }
        decoder.append(Array("Content-Length: 2\r\n\r\n{}".utf8))
        #expect(decoder.next() == message("{}"))
    }

    @Test func oversizedLineIsDroppedUpToItsNewline() {
        let events = decode(["[" + String(repeating: "1,", count: 600), String(repeating: "2,", count: 600) + "3]\n{}\n"],
                            limit: 1000)
        #expect(events == [.malformed("message exceeds the limit of 1000 bytes"), message("{}")])
    }

    @Test func endlessHeaderIsRejected() {
        let events = decode([String(repeating: "X-Junk: 1\r\n", count: 1000)])
        #expect(events.count == 1)
        if case .malformed(let reason) = events.first { #expect(reason.contains("header block")) }
    }

    @Test func longLineInManyChunksIsFoundOnce() {
        var decoder = FrameDecoder(maxMessageBytes: 1 << 24)
        let chunk = Array(String(repeating: "a", count: 4096).utf8)
        decoder.append(Array("[\"".utf8))
        for _ in 0..<256 {
            decoder.append(chunk)
            #expect(decoder.next() == nil)
        }
        decoder.append(Array("\"]\n".utf8))
        guard case .message(let body) = decoder.next() else {
            Issue.record("no message")
            return
        }
        #expect(body.count == 4096 * 256 + 4)
    }

    @Test func frameRoundTrips() {
        for framing in [Framing.contentLength, .newlineDelimited] {
            var decoder = FrameDecoder(framing: framing, maxMessageBytes: 1000)
            decoder.append(framing.frame(Array("{\"x\":\"é\"}".utf8)))
            #expect(decoder.next() == message("{\"x\":\"é\"}"))
        }
    }
}
