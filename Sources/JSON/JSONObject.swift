/// The members of a JSON object, in insertion order.
///
/// Setting a new key appends it; setting an existing key replaces its value in place; setting `nil` removes
/// it. When parsed input repeats a key, the last value wins at the position of the first occurrence (this is
/// what jansson does, and what `init(_:)` and dictionary literals do too).
///
/// Two objects are equal when they hold the same members, whatever their order: JSON gives member order no
/// meaning. Compare `keys` to check order.
public struct JSONObject: Sendable {
    private var memberKeys: [String]
    private var memberValues: [JSON]
    /// Positions by key, kept only once an object is big enough for linear search to cost more than hashing.
    private var positions: [String: Int]?

    private static let indexThreshold = 12

    /// An empty object.
    public init() {
        memberKeys = []
        memberValues = []
        positions = nil
    }

    /// An object with these members in this order; a repeated key keeps its first position and its last value.
    public init(_ pairs: [(String, JSON)]) {
        self.init()
        memberKeys.reserveCapacity(pairs.count)
        memberValues.reserveCapacity(pairs.count)
        for (key, value) in pairs {
            self[key] = value
        }
    }

    /// Members known to have distinct keys (as jansson hands them over), without a lookup per member.
    init(distinctKeys keys: [String], values: [JSON]) {
        memberKeys = keys
        memberValues = values
        positions = nil
        if keys.count > Self.indexThreshold {
            positions = Self.makePositions(keys)
        }
    }

    /// The keys in order.
    public var keys: [String] { memberKeys }

    /// The values in key order.
    public var values: [JSON] { memberValues }

    /// The number of members.
    public var count: Int { memberKeys.count }

    /// Whether there are no members.
    public var isEmpty: Bool { memberKeys.isEmpty }

    /// The value for `key`; setting appends a new key, replaces an existing one in place, or removes it when `nil`.
    public subscript(key: String) -> JSON? {
        get {
            guard let position = position(of: key) else { return nil }
            return memberValues[position]
        }
        set {
            switch (position(of: key), newValue) {
            case (let position?, let value?):
                memberValues[position] = value
            case (let position?, nil):
                memberKeys.remove(at: position)
                memberValues.remove(at: position)
                positions = memberKeys.count > Self.indexThreshold ? Self.makePositions(memberKeys) : nil
            case (nil, let value?):
                memberKeys.append(key)
                memberValues.append(value)
                if positions != nil {
                    positions?[key] = memberKeys.count - 1
                } else if memberKeys.count > Self.indexThreshold {
                    positions = Self.makePositions(memberKeys)
                }
            case (nil, nil):
                break
            }
        }
    }

    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return memberKeys.firstIndex(of: key)
    }

    private static func makePositions(_ keys: [String]) -> [String: Int] {
        var positions = [String: Int](minimumCapacity: keys.count)
        for (position, key) in keys.enumerated() {
            positions[key] = position
        }
        return positions
    }
}

// MARK: - Sequence

extension JSONObject: Sequence {
    /// Walks the members in order.
    public struct Iterator: IteratorProtocol {
        private let object: JSONObject
        private var position = 0

        init(_ object: JSONObject) {
            self.object = object
        }

        public mutating func next() -> (key: String, value: JSON)? {
            guard position < object.memberKeys.count else { return nil }
            defer { position += 1 }
            return (object.memberKeys[position], object.memberValues[position])
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(self)
    }

    public var underestimatedCount: Int { count }
}

// MARK: - Equality

extension JSONObject: Hashable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.memberKeys == rhs.memberKeys { return lhs.memberValues == rhs.memberValues }
        for (key, value) in lhs where rhs[key] != value {
            return false
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent, like Dictionary: combine the members' own hashes commutatively.
        var combined = 0
        for (key, value) in self {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            combined ^= member.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Members in the order written; a repeated key keeps its first position and its last value.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(elements)
    }
}
