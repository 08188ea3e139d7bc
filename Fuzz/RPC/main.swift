// libFuzzer target: framing + JSON-RPC message decoding (built by scripts/fuzz.sh RPC).
// The first byte picks the framing (or detection) and a chunk size; the rest is the byte stream.
// Every stream must be cut into bodies or framing errors without a crash, every body must decode to an
// answerable message, and every answer must serialize to JSON that parses back.
@testable import JSON
@testable import RPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRPC(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let control = data[0]
    let stream = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let framing: Framing? = switch control & 3 {
    case 0: .contentLength
    case 1: .newlineDelimited
    default: nil
    }
    let chunk = Int(control >> 2) + 1
    var decoder = FrameDecoder(framing: framing, maxMessageBytes: 4096)
    var offset = 0
    var consumed = 0
    while offset < stream.count {
        let end = min(offset + chunk, stream.count)
        decoder.append(stream[offset..<end])
        consumed += end - offset
        offset = end
        while let event = decoder.next() {
            switch event {
            case .malformed(let reason):
                precondition(!reason.isEmpty, "empty framing error")
                check(Outgoing.error(id: .null, .parseError(reason)))
            case .message(let body):
                precondition(body.count <= 4096, "body over the limit")
                answerEverything(IncomingMessage.decode(body, maxBatchSize: 8))
            }
        }
        precondition(decoder.pendingByteCount <= consumed, "decoder holds more than it was given")
    }
    return 0
}

/// Builds the answer the server would send for every entry and checks it serializes and parses.
private func answerEverything(_ message: IncomingMessage) {
    func answer(_ entry: IncomingEntry) {
        switch entry {
        case .request(let request):
            precondition(!request.method.isEmpty || request.method.isEmpty)
            if let id = request.id { check(Outgoing.result(id: id, .null)) }
        case .response: break
        case .invalid(let id, let error): check(Outgoing.error(id: id, error))
        }
    }
    switch message {
    case .unusable(let error): check(Outgoing.error(id: .null, error))
    case .single(let entry): answer(entry)
    case .batch(let entries):
        precondition(!entries.isEmpty && entries.count <= 8, "batch size not enforced")
        entries.forEach(answer)
    }
}

private func check(_ answer: JSON) {
    let bytes = answer.serialized()
    guard let reparsed = try? JSON.parse(bytes) else { preconditionFailure("answer does not parse") }
    precondition(reparsed["jsonrpc"] == .string("2.0"), "answer lost jsonrpc")
    for framing in [Framing.contentLength, .newlineDelimited] {
        var decoder = FrameDecoder(framing: framing, maxMessageBytes: 1 << 20)
        decoder.append(framing.frame(bytes))
        guard case .message(let body)? = decoder.next() else { preconditionFailure("framed answer does not cut back") }
        precondition(body == bytes, "framing changed the answer")
    }
}
