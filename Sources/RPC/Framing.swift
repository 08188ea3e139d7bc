/// How a connection delimits JSON-RPC messages on the byte stream.
public enum Framing: String, Sendable {
    /// LSP-style `Content-Length: N\r\n\r\n` headers before each body (editors, stdio default).
    case contentLength
    /// One JSON text per line (scripts, socket default).
    case newlineDelimited

    /// The framing a peer uses, judged from the first byte that is not white space: a letter starts a
    /// header (`Content-Length: ...`), anything else is taken for a line of JSON.
    public static func detect(firstByte: UInt8) -> Framing {
        let lowercased = firstByte | 0x20
        return lowercased >= UInt8(ascii: "a") && lowercased <= UInt8(ascii: "z") ? .contentLength : .newlineDelimited
    }

    /// The bytes to send for one message body in this framing.
    public func frame(_ body: [UInt8]) -> [UInt8] {
        switch self {
        case .contentLength:
            var out = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
            out.reserveCapacity(out.count + body.count)
            out.append(contentsOf: body)
            return out
        case .newlineDelimited:
            // Serialized JSON never holds a raw newline (it is escaped inside strings).
            var out = body
            out.append(UInt8(ascii: "\n"))
            return out
        }
    }
}
