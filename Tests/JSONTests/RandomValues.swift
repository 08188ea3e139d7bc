import TestSupport
@testable import JSON

/// Random JSON values and byte strings for the randomized tests (and the same shapes the fuzzer explores).
struct RandomValues {
    var generator: SeededGenerator

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    /// Pieces that exercise escaping, multi-byte UTF-8 and surrogate pairs.
    private static let fragments = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{8}", "\u{C}", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}",
        "é", "中", "文", "😀", "👍🏽", "\u{FEFF}", "\u{10FFFF}", "\u{E000}", "key", "ñ", "\u{301}",
    ]

    mutating func string(allowNUL: Bool = true) -> String {
        var result = ""
        for _ in 0..<Int.random(in: 0...8, using: &generator) {
            let fragment = Self.fragments.randomElement(using: &generator) ?? "a"
            if !allowNUL && fragment == "\u{0}" { continue }
            result += fragment
        }
        return result
    }

    mutating func double() -> Double {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: return Double(bitPattern: generator.next())
        case 1: return Double.random(in: -1e6...1e6, using: &generator)
        case 2: return Double(Int.random(in: -1000...1000, using: &generator)) / 8
        default: return [0.1, -0.0, 1e300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e16][Int.random(in: 0..<6, using: &generator)]
        }
    }

    /// A finite value (parse never yields NaN) with keys free of NUL (jansson refuses to read those back).
    mutating func value(depth: Int = 0) -> JSON {
        let kinds = depth >= 5 ? 5 : 7
        switch Int.random(in: 0..<kinds, using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2:
            return .integer(Bool.random(using: &generator)
                ? Int64(bitPattern: generator.next()) : Int64.random(in: -100...100, using: &generator))
        case 3:
            var double = double()
            while !double.isFinite { double = self.double() }
            return .double(double)
        case 4: return .string(string())
        case 5:
            return .array((0..<Int.random(in: 0...5, using: &generator)).map { _ in value(depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                object[string(allowNUL: false)] = value(depth: depth + 1)
            }
            return .object(object)
        }
    }

    /// `bytes` with a few random edits: flips, insertions of JSON punctuation or invalid UTF-8, deletions.
    mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        let interesting: [UInt8] = Array("[]{},:\"\\0-eE.+tfn u".utf8) + [0x00, 0x80, 0xBF, 0xC0, 0xE4, 0xED, 0xF4, 0xF5, 0xFF]
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let position = Int.random(in: 0...bytes.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0 where position < bytes.count:
                bytes[position] ^= UInt8.random(in: 1...255, using: &generator)
            case 1 where position < bytes.count:
                bytes.remove(at: position)
            default:
                bytes.insert(interesting.randomElement(using: &generator) ?? 0, at: position)
            }
        }
        return bytes
    }
}

/// Whether two values are the same, comparing doubles by bits (so -0.0 differs from 0.0).
func identical(_ lhs: JSON, _ rhs: JSON) -> Bool {
    switch (lhs, rhs) {
    case (.double(let a), .double(let b)):
        return a.bitPattern == b.bitPattern
    case (.array(let a), .array(let b)):
        return a.count == b.count && zip(a, b).allSatisfy(identical)
    case (.object(let a), .object(let b)):
        return a.keys == b.keys && zip(a.values, b.values).allSatisfy(identical)
    default:
        return lhs == rhs
    }
}

extension JSON {
    /// Whether any double appears inside (jansson's writer prints those differently, by design).
    var containsDouble: Bool {
        switch self {
        case .double: true
        case .array(let elements): elements.contains { $0.containsDouble }
        case .object(let object): object.values.contains { $0.containsDouble }
        default: false
        }
    }
}
