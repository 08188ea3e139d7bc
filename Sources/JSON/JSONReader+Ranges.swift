// Range-checked decoding, so bounds errors read the same everywhere:
// "params.topK: must be between 1 and 100, got 0".

extension JSONReader {
    /// The member `key` decoded as `T` and checked to lie in `range`.
    /// - Throws: what `required(_:as:)` throws, or "must be between A and B, got X".
    public func required<T: JSONDecodable & Comparable>(
        _ key: String, as type: T.Type = T.self, in range: ClosedRange<T>
    ) throws(JSONDecodingError) -> T {
        let value: T = try required(key)
        return try check(value, key: key, in: range)
    }

    /// The member `key` decoded as `T` and checked to lie in `range`, or nil when absent or `null`.
    /// - Throws: what `optional(_:as:)` throws, or "must be between A and B, got X".
    public func optional<T: JSONDecodable & Comparable>(
        _ key: String, as type: T.Type = T.self, in range: ClosedRange<T>
    ) throws(JSONDecodingError) -> T? {
        guard let value: T = try optional(key) else { return nil }
        return try check(value, key: key, in: range)
    }

    /// The member `key` decoded as `T` and checked to be at least `range.lowerBound`.
    /// - Throws: what `required(_:as:)` throws, or "must be at least A, got X".
    public func required<T: JSONDecodable & Comparable>(
        _ key: String, as type: T.Type = T.self, in range: PartialRangeFrom<T>
    ) throws(JSONDecodingError) -> T {
        let value: T = try required(key)
        return try check(value, key: key, atLeast: range.lowerBound)
    }

    /// The member `key` decoded as `T` and checked to be at least `range.lowerBound`, or nil when absent or `null`.
    /// - Throws: what `optional(_:as:)` throws, or "must be at least A, got X".
    public func optional<T: JSONDecodable & Comparable>(
        _ key: String, as type: T.Type = T.self, in range: PartialRangeFrom<T>
    ) throws(JSONDecodingError) -> T? {
        guard let value: T = try optional(key) else { return nil }
        return try check(value, key: key, atLeast: range.lowerBound)
    }

    private func check<T: Comparable>(_ value: T, key: String, in range: ClosedRange<T>) throws(JSONDecodingError) -> T {
        guard range.contains(value) else {
            throw JSONDecodingError(
                path: Self.path(path, appending: key),
                message: "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    private func check<T: Comparable>(_ value: T, key: String, atLeast lowerBound: T) throws(JSONDecodingError) -> T {
        guard value >= lowerBound else {
            throw JSONDecodingError(
                path: Self.path(path, appending: key), message: "must be at least \(lowerBound), got \(value)")
        }
        return value
    }
}
