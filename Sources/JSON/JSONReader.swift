/// A JSON value with its path from the root, for decoding with errors that say where they are.
///
/// ```swift
/// let params = JSONReader(request["params"] ?? .null)
/// let topK = try params.optional("topK", as: Int.self, in: 1...100) ?? 5
/// ```
public struct JSONReader: Sendable {
    /// The value at `path`.
    public let value: JSON
    /// How to reach `value` from the root: `params`, `params.topK`, `params.texts[3]`, `params["a b"]`.
    public let path: String

    /// A reader for a root value, named `path` in error messages.
    public init(_ value: JSON, path: String = "params") {
        self.value = value
        self.path = path
    }

    // MARK: - Navigating

    /// The member `key` when `value` is an object that has it (even as `null`), else nil.
    public func member(_ key: String) -> JSONReader? {
        guard let member = value[key] else { return nil }
        return JSONReader(member, path: Self.path(path, appending: key))
    }

    /// The element at `index` when `value` is an array long enough, else nil.
    public func element(_ index: Int) -> JSONReader? {
        guard let element = value[index] else { return nil }
        return JSONReader(element, path: "\(path)[\(index)]")
    }

    /// A reader per element.
    /// - Throws: when `value` is not an array.
    public func elements() throws(JSONDecodingError) -> [JSONReader] {
        guard case .array(let elements) = value else { throw mismatch(expected: "array") }
        return elements.enumerated().map { JSONReader($0.element, path: "\(path)[\($0.offset)]") }
    }

    /// The members as readers, in order.
    /// - Throws: when `value` is not an object.
    public func members() throws(JSONDecodingError) -> [(key: String, reader: JSONReader)] {
        let object = try object()
        return object.map { ($0.key, JSONReader($0.value, path: Self.path(path, appending: $0.key))) }
    }

    // MARK: - Decoding

    /// `value` decoded as `T`.
    public func decode<T: JSONDecodable>(_ type: T.Type = T.self) throws(JSONDecodingError) -> T {
        try T.decode(from: self)
    }

    /// The member `key` decoded as `T`.
    /// - Throws: when `value` is not an object, the member is missing, or it does not decode as `T`
    ///   (`null` is only accepted when `T` is optional).
    public func required<T: JSONDecodable>(_ key: String, as type: T.Type = T.self) throws(JSONDecodingError) -> T {
        let object = try object()
        guard let member = object[key] else {
            throw JSONDecodingError(path: Self.path(path, appending: key), message: "missing required field")
        }
        return try JSONReader(member, path: Self.path(path, appending: key)).decode(T.self)
    }

    /// The member `key` decoded as `T`, or nil when it is absent or `null`.
    /// - Throws: when `value` is not an object or the member does not decode as `T`.
    public func optional<T: JSONDecodable>(_ key: String, as type: T.Type = T.self) throws(JSONDecodingError) -> T? {
        let object = try object()
        guard let member = object[key], !member.isNull else { return nil }
        return try JSONReader(member, path: Self.path(path, appending: key)).decode(T.self)
    }

    /// Refuses members outside `allowed`, naming the first one in document order: `params.foo: unknown field`.
    /// - Throws: when `value` is not an object or has a member not in `allowed`.
    public func rejectUnknownKeys(allowed: Set<String>) throws(JSONDecodingError) {
        for key in try object().keys where !allowed.contains(key) {
            throw JSONDecodingError(path: Self.path(path, appending: key), message: "unknown field")
        }
    }

    // MARK: - Errors

    /// An error at this reader's path, for checks that decoding alone cannot express.
    public func error(_ message: String) -> JSONDecodingError {
        JSONDecodingError(path: path, message: message)
    }

    /// "expected integer, got string" at this path.
    public func mismatch(expected: String) -> JSONDecodingError {
        error("expected \(expected), got \(value.typeName)")
    }

    private func object() throws(JSONDecodingError) -> JSONObject {
        guard case .object(let object) = value else { throw mismatch(expected: "object") }
        return object
    }

    /// `params.key` for identifier-like keys, `params["odd key"]` (JSON-quoted) for the rest, so paths stay unambiguous.
    static func path(_ base: String, appending key: String) -> String {
        if isIdentifier(key) { return "\(base).\(key)" }
        return "\(base)[\(JSON.string(key).serializedString)]"
    }

    private static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return key.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "$"):
                true
            default:
                false
            }
        }
    }
}
