import CJansson

// MARK: - Entry points

extension JSON {
    /// The deepest nesting jansson itself accepts (its compile-time `JSON_PARSER_MAX_DEPTH`).
    public static let janssonMaxDepth = 2048

    /// Parses one JSON value (of any type) from UTF-8 bytes.
    ///
    /// Any top-level value is accepted, `"\u0000"` decodes to a NUL character, and a repeated object key
    /// keeps its last value at its first position. Integers outside `Int64` are rejected ("too big
    /// integer") rather than silently rounded, as are numbers beyond `Double` ("real number overflow").
    /// Invalid UTF-8 (stray or truncated bytes, overlong forms, encoded surrogates), lone surrogate
    /// escapes, empty input and trailing garbage are errors.
    /// - Parameter maxDepth: the deepest nesting of arrays and objects allowed (a scalar is depth 0, `[]`
    ///   depth 1); jansson caps it at `janssonMaxDepth` whatever is asked.
    /// - Throws: `JSONParseError` with the place and reason.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 512) throws(JSONParseError) -> JSON {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth) }
        }
        if let result { return try result.get() }
        return try Array(bytes).withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, maxDepth: maxDepth) }
        }.get()
    }

    /// Parses one JSON value from a string (see `parse(_:maxDepth:)` on bytes).
    public static func parse(_ text: String, maxDepth: Int = 512) throws(JSONParseError) -> JSON {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth) }
        }.get()
    }

    /// Parses one JSON value from raw UTF-8 bytes without copying them (see `parse(_:maxDepth:)` on bytes).
    public static func parse(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = 512) throws(JSONParseError) -> JSON {
        let depthLimit = max(0, min(maxDepth, janssonMaxDepth))
        var error = json_error_t()
        let flags = JSON_DECODE_ANY | JSON_ALLOW_NUL
        // jansson rejects a NULL buffer even when the length is 0; any valid address will do.
        let root: UnsafeMutablePointer<json_t>? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 1) { dummy in
            let start = buffer.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer(dummy.baseAddress!)
            return json_loadb(start, buffer.count, Int(flags), &error)
        }
        guard let root else {
            if json_error_code(&error) == json_error_stack_overflow,
               let tooDeep = DepthScanner.firstExcess(in: buffer, limit: depthLimit) {
                throw tooDeep
            }
            throw JSONParseError(jansson: error, inputIsEmpty: buffer.isEmpty)
        }
        defer { json_decref(root) }
        guard let value = JanssonReader(depthLimit: depthLimit).convert(root, depth: 0) else {
            throw DepthScanner.firstExcess(in: buffer, limit: depthLimit)
                ?? JSONParseError(line: 1, column: 1, position: 0, message: DepthScanner.message(depthLimit))
        }
        return value
    }
}

extension JSONParseError {
    /// The error jansson reported, with its message cut at the first NUL of its fixed-size buffer.
    init(jansson error: json_error_t, inputIsEmpty: Bool) {
        var error = error
        let text = withUnsafeBytes(of: &error.text) { raw in
            // The last byte holds jansson's error code, not text.
            let bytes = raw.prefix(Int(JSON_ERROR_TEXT_LENGTH) - 1)
            let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
        self.init(
            line: max(1, Int(error.line)),
            column: max(1, Int(error.column)),
            position: max(0, Int(error.position)),
            message: inputIsEmpty ? "empty input" : text)
    }
}

// MARK: - jansson tree to Swift value

/// Copies a jansson tree into `JSON`, refusing nesting deeper than a limit.
private struct JanssonReader {
    let depthLimit: Int

    /// The value, or nil when it nests deeper than the limit.
    func convert(_ node: UnsafeMutablePointer<json_t>, depth: Int) -> JSON? {
        switch node.pointee.type {
        case JSON_NULL:
            return .null
        case JSON_TRUE:
            return .bool(true)
        case JSON_FALSE:
            return .bool(false)
        case JSON_INTEGER:
            return .integer(Int64(json_integer_value(node)))
        case JSON_REAL:
            return .double(json_real_value(node))
        case JSON_STRING:
            return .string(string(json_string_value(node), length: json_string_length(node)))
        case JSON_ARRAY:
            guard depth < depthLimit else { return nil }
            let count = json_array_size(node)
            var elements: [JSON] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                guard let child = json_array_get(node, index), let element = convert(child, depth: depth + 1) else {
                    return nil
                }
                elements.append(element)
            }
            return .array(elements)
        case JSON_OBJECT:
            guard depth < depthLimit else { return nil }
            let count = json_object_size(node)
            var keys: [String] = []
            var values: [JSON] = []
            keys.reserveCapacity(count)
            values.reserveCapacity(count)
            var iterator = json_object_iter(node)
            while let current = iterator {
                guard let child = json_object_iter_value(current), let value = convert(child, depth: depth + 1) else {
                    return nil
                }
                keys.append(string(json_object_iter_key(current), length: json_object_iter_key_len(current)))
                values.append(value)
                iterator = json_object_iter_next(node, current)
            }
            return .object(JSONObject(distinctKeys: keys, values: values))
        default:
            return .null
        }
    }

    /// A Swift string from jansson's bytes; jansson has already checked they are UTF-8.
    private func string(_ start: UnsafePointer<CChar>?, length: Int) -> String {
        guard let start else { return "" }
        let bytes = UnsafeRawBufferPointer(start: start, count: length)
        return String(decoding: bytes, as: UTF8.self)
    }
}
