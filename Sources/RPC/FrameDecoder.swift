import Glibc

/// One step of cutting a byte stream into messages.
public enum FrameEvent: Equatable, Sendable {
    /// A complete message body.
    case message([UInt8])
    /// Bytes that cannot be a message; they have been skipped and the stream goes on after them.
    case malformed(String)
}

/// Cuts an incoming byte stream into message bodies, in either framing, with a size limit.
///
/// A pure state machine over bytes (no I/O): feed it what arrives with `append`, then drain `next()`
/// until it returns nil. Oversized messages are skipped as they stream in, without being buffered, so a
/// huge message costs no memory and the connection keeps serving.
public struct FrameDecoder: Sendable {
    /// The framing in use; nil until the first non-blank byte arrives.
    public private(set) var framing: Framing?
    /// The largest body accepted, in bytes.
    public let maxMessageBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Bytes of an oversized message still to be thrown away.
    private var skipRemaining = 0
    /// In newline framing, an oversized line is dropped up to its newline.
    private var skippingLine = false
    /// After a bad header block, bytes are dropped until the next `Content-Length` header.
    private var resyncing = false
    /// Index up to which the current line has been searched for a newline.
    private var lineScanned = 0

    /// The longest header block accepted before a Content-Length body.
    static let maxHeaderBytes = 8 * 1024

    /// A decoder that detects the framing from the first byte unless `framing` is given.
    public init(framing: Framing? = nil, maxMessageBytes: Int) {
        self.framing = framing
        self.maxMessageBytes = maxMessageBytes
    }

    /// Adds bytes received from the peer.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received but not yet cut into messages.
    public var pendingByteCount: Int { buffer.count - start }

    /// The next message or framing error, or nil when more bytes are needed.
    public mutating func next() -> FrameEvent? {
        while true {
            if skipRemaining > 0 {
                let dropped = min(skipRemaining, buffer.count - start)
                start += dropped
                skipRemaining -= dropped
                if skipRemaining > 0 { return nil }
            }
            if skippingLine {
                guard let newline = firstIndex(of: UInt8(ascii: "\n"), from: start) else {
                    start = buffer.count
                    return nil
                }
                start = newline + 1
                skippingLine = false
            }
            skipBlankBytes()
            guard start < buffer.count else { return nil }
            if framing == nil { framing = Framing.detect(firstByte: buffer[start]) }
            switch framing {
            case .newlineDelimited: return nextLine()
            case .contentLength, .none: return nextContentLengthMessage()
            }
        }
    }

    // MARK: - Newline-delimited

    private mutating func nextLine() -> FrameEvent? {
        // Resume the newline search where the last one stopped, so a long line arriving in many
        // chunks is scanned once.
        guard let newline = firstIndex(of: UInt8(ascii: "\n"), from: max(start, lineScanned)) else {
            lineScanned = buffer.count
            if buffer.count - start > maxMessageBytes {
                start = buffer.count
                skippingLine = true
                return .malformed("message exceeds the limit of \(maxMessageBytes) bytes")
            }
            return nil
        }
        var end = newline
        if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let body = Array(buffer[start..<end])
        start = newline + 1
        if body.count > maxMessageBytes {
            return .malformed("message exceeds the limit of \(maxMessageBytes) bytes")
        }
        return .message(body)
    }

    // MARK: - Content-Length headers

    private mutating func nextContentLengthMessage() -> FrameEvent? {
        if resyncing {
            guard resynchronize() else { return nil }
        }
        guard let headerEnd = headerBlockEnd() else {
            if buffer.count - start > Self.maxHeaderBytes {
                // No blank line in sight: drop what we have; the peer is not speaking this framing.
                start = buffer.count
                return .malformed("header block longer than \(Self.maxHeaderBytes) bytes without a blank line")
            }
            return nil
        }
        let header = buffer[start..<headerEnd.headerEnd]
        let bodyStart = headerEnd.bodyStart
        switch Self.contentLength(in: header) {
        case .failure(let error):
            // Where a bad header's body ends is unknowable: skip to the next Content-Length header.
            start = bodyStart
            resyncing = true
            return .malformed(error.reason)
        case .success(let length):
            if length > maxMessageBytes {
                start = bodyStart
                skipRemaining = length
                return .malformed("message of \(length) bytes exceeds the limit of \(maxMessageBytes) bytes")
            }
            guard buffer.count - bodyStart >= length else { return nil }
            let body = Array(buffer[bodyStart..<(bodyStart + length)])
            start = bodyStart + length
            return .message(body)
        }
    }

    /// Drops bytes up to the next `Content-Length` header name; false when none has arrived yet.
    private mutating func resynchronize() -> Bool {
        let name = Array("content-length".utf8)
        var index = start
        while index + name.count <= buffer.count {
            var matched = true
            for offset in 0..<name.count where Self.lowercased(buffer[index + offset]) != name[offset] {
                matched = false
                break
            }
            if matched {
                start = index
                resyncing = false
                return true
            }
            index += 1
        }
        // Keep a tail that may be the start of a header name split across reads.
        start = max(start, buffer.count - (name.count - 1))
        return false
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte + 32 : byte
    }

    /// Where the header block ends (before its blank line) and the body begins; accepts CRLF or LF.
    private func headerBlockEnd() -> (headerEnd: Int, bodyStart: Int)? {
        var index = start
        while let newline = firstIndex(of: UInt8(ascii: "\n"), from: index) {
            let next = newline + 1
            if next < buffer.count, buffer[next] == UInt8(ascii: "\n") {
                return (newline, next + 1)
            }
            if next + 1 < buffer.count, buffer[next] == UInt8(ascii: "\r"), buffer[next + 1] == UInt8(ascii: "\n") {
                return (newline, next + 2)
            }
            index = next
        }
        return nil
    }

    /// The value of the Content-Length header, or why the headers are unusable.
    static func contentLength(in header: ArraySlice<UInt8>) -> Result<Int, HeaderError> {
        var length: Int?
        for rawLine in header.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(HeaderError("header line without a colon: \(printable(line))"))
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            guard name.lowercased() == "content-length" else { continue }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self)
                .trimmingCharacters(in: " \t")
            guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), value.utf8.count <= 15,
                  let parsed = Int(value)
            else {
                return .failure(HeaderError("invalid Content-Length value: \(printable(Array(value.utf8)[...]))"))
            }
            length = parsed
        }
        guard let length else { return .failure(HeaderError("missing Content-Length header")) }
        return .success(length)
    }

    /// Why a header block was rejected.
    struct HeaderError: Error, Equatable {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        let text = String(decoding: bytes.prefix(40), as: UTF8.self)
        return "\"\(text)\(bytes.count > 40 ? "…" : "")\""
    }

    // MARK: - Buffer

    private mutating func skipBlankBytes() {
        while start < buffer.count, Self.isBlank(buffer[start]) { start += 1 }
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private func firstIndex(of byte: UInt8, from index: Int) -> Int? {
        guard index < buffer.count else { return nil }
        return buffer.withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress,
                  let found = memchr(base + index, Int32(byte), raw.count - index)
            else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
    }

    private mutating func compact() {
        if start > 0, start >= buffer.count / 2 || start == buffer.count {
            buffer.removeFirst(start)
            lineScanned = max(0, lineScanned - start)
            start = 0
        }
    }
}

extension FrameDecoder.HeaderError: CustomStringConvertible {
    var description: String { reason }
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        let blanks = Set(set.unicodeScalars)
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !blanks.contains($0) }),
              let last = scalars.lastIndex(where: { !blanks.contains($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}
