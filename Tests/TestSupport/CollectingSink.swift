import JSON
import RPC
import Synchronization
import Testing

/// Collects what a connection writes, decoded back to JSON messages.
public final class CollectingSink: MessageSink {
    public init() {}

    private let state = Mutex<(decoder: FrameDecoder, messages: [JSON])>(
        (FrameDecoder(maxMessageBytes: 1 << 26), []))

    public func write(_ bytes: [UInt8]) -> Bool {
        state.withLock { state in
            state.decoder.append(bytes)
            while case .message(let body)? = state.decoder.next() {
                if let value = try? JSON.parse(body) { state.messages.append(value) }
            }
        }
        return true
    }

    public var messages: [JSON] { state.withLock { $0.messages } }

    /// Waits (bounded) until `count` messages have arrived.
    public func waitFor(_ count: Int) async throws -> [JSON] {
        for _ in 0..<400 {
            let current = messages
            if current.count >= count { return current }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("timed out waiting for \(count) messages, have \(messages.count): \(messages)")
        return messages
    }
}

/// Keeps the raw bytes a connection writes.
public final class RawSink: MessageSink {
    public init() {}

    private let bytes = Mutex<[UInt8]>([])
    public func write(_ data: [UInt8]) -> Bool {
        bytes.withLock { $0.append(contentsOf: data) }
        return true
    }
    public var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
}
