/// Finds where input first nests deeper than a limit, to place depth errors precisely.
///
/// Only runs on the error path, so the common case pays nothing for positions jansson's tree does not keep.
enum DepthScanner {
    static func message(_ limit: Int) -> String {
        "nesting deeper than \(limit) levels"
    }

    /// The error at the first `[` or `{` that opens level `limit + 1`, or nil when the input never gets there.
    static func firstExcess(in buffer: UnsafeRawBufferPointer, limit: Int) -> JSONParseError? {
        var depth = 0
        var line = 1
        var column = 0
        var inString = false
        var escaped = false
        for (offset, byte) in buffer.enumerated() {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 0
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit {
                    return JSONParseError(line: line, column: column, position: offset + 1, message: message(limit))
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
            default:
                break
            }
        }
        return nil
    }
}
