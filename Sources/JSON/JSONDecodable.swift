/// A type that can be read from a JSON value, with errors that name the path.
public protocol JSONDecodable {
    /// The value `reader` holds, as `Self`.
    static func decode(from reader: JSONReader) throws(JSONDecodingError) -> Self
}

extension JSON: JSONDecodable {
    /// Any value, as is.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> JSON {
        reader.value
    }
}

extension JSONObject: JSONDecodable {
    /// An object.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> JSONObject {
        guard case .object(let object) = reader.value else { throw reader.mismatch(expected: "object") }
        return object
    }
}

extension Bool: JSONDecodable {
    /// `true` or `false` only; no numbers or strings.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> Bool {
        guard case .bool(let bool) = reader.value else { throw reader.mismatch(expected: "boolean") }
        return bool
    }
}

extension String: JSONDecodable {
    /// A string only; numbers are not converted.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> String {
        guard case .string(let string) = reader.value else { throw reader.mismatch(expected: "string") }
        return string
    }
}

extension Double: JSONDecodable {
    /// Any number; integers widen (rounding beyond 2^53).
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> Double {
        guard let double = reader.value.doubleValue else { throw reader.mismatch(expected: "number") }
        return double
    }
}

extension Float: JSONDecodable {
    /// Any number that fits a `Float` once rounded; beyond its range is an error rather than infinity.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> Float {
        let double = try Double.decode(from: reader)
        let float = Float(double)
        guard float.isFinite else { throw reader.error("number \(double) is out of range") }
        return float
    }
}

extension Optional: JSONDecodable where Wrapped: JSONDecodable {
    /// `null` as nil, anything else as `Wrapped`.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> Wrapped? {
        if reader.value.isNull { return nil }
        return try Wrapped.decode(from: reader)
    }
}

extension Array: JSONDecodable where Element: JSONDecodable {
    /// An array whose every element decodes; the first failure names its index.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> [Element] {
        var result: [Element] = []
        for element in try reader.elements() {
            result.append(try Element.decode(from: element))
        }
        return result
    }
}

extension Dictionary: JSONDecodable where Key == String, Value: JSONDecodable {
    /// An object whose every member decodes (member order is lost; use `JSONObject` to keep it).
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> [String: Value] {
        var result: [String: Value] = [:]
        for (key, member) in try reader.members() {
            result[key] = try Value.decode(from: member)
        }
        return result
    }
}

// MARK: - Integers

/// Integers decode from JSON integers, and from doubles with no fractional part (`3.0`, as Python clients
/// may send); `3.5` is "expected integer, got number". Values outside the type's range are an error.
extension Int: JSONDecodable {
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> Int {
        try reader.decodeInteger()
    }
}

extension Int64: JSONDecodable {
    /// See `Int`.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> Int64 {
        try reader.decodeInteger()
    }
}

extension Int32: JSONDecodable {
    /// See `Int`.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> Int32 {
        try reader.decodeInteger()
    }
}

extension UInt: JSONDecodable {
    /// See `Int`; negative numbers are out of range.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> UInt {
        try reader.decodeInteger()
    }
}

extension UInt64: JSONDecodable {
    /// See `Int`; negative numbers are out of range.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> UInt64 {
        try reader.decodeInteger()
    }
}

extension UInt32: JSONDecodable {
    /// See `Int`; negative numbers are out of range.
    public static func decode(from reader: JSONReader) throws(JSONDecodingError) -> UInt32 {
        try reader.decodeInteger()
    }
}

extension JSONReader {
    func decodeInteger<T: FixedWidthInteger>() throws(JSONDecodingError) -> T {
        switch value {
        case .integer(let integer):
            guard let exact = T(exactly: integer) else { throw outOfRange(T.self, got: integer.description) }
            return exact
        case .double(let double) where double.rounded(.towardZero) == double:
            guard let exact = T(exactly: double) else { throw outOfRange(T.self, got: double.description) }
            return exact
        default:
            throw mismatch(expected: "integer")
        }
    }

    private func outOfRange<T: FixedWidthInteger>(_ type: T.Type, got: String) -> JSONDecodingError {
        error("must be between \(T.min) and \(T.max), got \(got)")
    }
}
