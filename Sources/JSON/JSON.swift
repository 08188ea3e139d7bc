/// A JSON value: what `parse` reads and `serialized()` writes.
///
/// Integers and floating-point numbers are kept apart, as the input spells them: `3` is `.integer(3)` and
/// `3.0` is `.double(3)`; they are different values (`==` is false) but `doubleValue` reads both.
/// Objects keep their members in insertion order (see `JSONObject`). Doubles compare as `Double` does, so a
/// NaN inside a value makes it unequal to itself; NaN never comes out of `parse`.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

// MARK: - Inspecting

extension JSON {
    /// The JSON type of this value as error messages name it: "null", "boolean", "integer", "number", "string", "array" or "object".
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member named `key` when this is an object that has one.
    public subscript(key: String) -> JSON? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The element at `index` when this is an array and the index is in bounds.
    public subscript(index: Int) -> JSON? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The string when this is a string.
    public var stringValue: String? {
        guard case .string(let string) = self else { return nil }
        return string
    }

    /// The integer when this is an integer (not a floating-point number, even an integral one).
    public var intValue: Int? {
        guard case .integer(let integer) = self else { return nil }
        return Int(exactly: integer)
    }

    /// The number when this is a number; integers widen to `Double` (rounding beyond 2^53).
    public var doubleValue: Double? {
        switch self {
        case .double(let double): double
        case .integer(let integer): Double(integer)
        default: nil
        }
    }

    /// The boolean when this is a boolean.
    public var boolValue: Bool? {
        guard case .bool(let bool) = self else { return nil }
        return bool
    }

    /// The elements when this is an array.
    public var arrayValue: [JSON]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }

    /// The members when this is an object.
    public var objectValue: JSONObject? {
        guard case .object(let object) = self else { return nil }
        return object
    }
}

// MARK: - Building

extension JSON {
    /// An integer value.
    public init(_ value: Int) {
        self = .integer(Int64(value))
    }

    /// A floating-point value.
    public init(_ value: Double) {
        self = .double(value)
    }

    /// A floating-point value from a `Float`, keeping the `Float`'s shortest decimal form.
    ///
    /// Widening `Float(0.1)` directly gives 0.10000000149011612; going through the `Float`'s own shortest
    /// representation makes model scores serialize as people expect (`0.1`).
    public init(_ value: Float) {
        guard value.isFinite, let shortest = Double(value.description) else {
            self = .double(Double(value))
            return
        }
        self = .double(shortest)
    }

    /// A string value.
    public init(_ value: String) {
        self = .string(value)
    }

    /// A boolean value.
    public init(_ value: Bool) {
        self = .bool(value)
    }
}
