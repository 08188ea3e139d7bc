// A hand-written writer: it produces exactly what jansson's `json_dumpb(JSON_COMPACT | JSON_ENCODE_ANY)`
// produces for strings, integers and structure (the tests compare both on random values), without building
// a jansson tree first. Doubles differ on purpose: jansson prints "%.17g" (0.1 -> 0.10000000000000001),
// this writes the shortest form that reads back to the same bits (0.1 -> 0.1).

extension JSON {
    /// Compact UTF-8 JSON: no spaces, member order kept, non-ASCII text unescaped.
    ///
    /// NaN and infinities have no JSON form and are written as `null`. Finite doubles are written in the
    /// shortest form that parses back to the same bits, always with a `.` or an exponent so they read back
    /// as doubles, not integers.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        JSONWriter.write(self, into: &output)
        return output
    }

    /// `serialized()` as a string.
    public var serializedString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}

extension JSON: CustomStringConvertible {
    /// The compact JSON text.
    public var description: String { serializedString }
}

enum JSONWriter {
    static func write(_ value: JSON, into output: inout [UInt8]) {
        switch value {
        case .null:
            append("null", to: &output)
        case .bool(let bool):
            append(bool ? "true" : "false", to: &output)
        case .integer(let integer):
            append(integer.description, to: &output)
        case .double(let double):
            if double.isFinite {
                append(double.description, to: &output)
            } else {
                append("null", to: &output)
            }
        case .string(let string):
            writeString(string, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in object {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func append(_ text: String, to output: inout [UInt8]) {
        output.append(contentsOf: text.utf8)
    }

    /// A quoted string, escaping what jansson escapes: `"`, `\` and the C0 controls.
    static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                }
                appendEscape(for: byte, to: &output)
                runStart = index + 1
            }
            if runStart < bytes.count {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func appendEscape(for byte: UInt8, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        case 0x09: output.append(UInt8(ascii: "t"))
        default:
            output.append(contentsOf: [
                UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)],
            ])
        }
    }
}
