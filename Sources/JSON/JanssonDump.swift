import CJansson

// jansson's own serializer, kept as the reference the hand-written writer is tested (and timed) against.

extension JSON {
    /// What `json_dumpb(JSON_COMPACT | JSON_ENCODE_ANY)` writes for this value (doubles as "%.17g").
    func serializedByJansson() -> [UInt8] {
        guard let tree = makeJanssonTree() else { return [] }
        defer { json_decref(tree) }
        let flags = Int(JSON_COMPACT | JSON_ENCODE_ANY)
        let size = json_dumpb(tree, nil, 0, flags)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = buffer.withMemoryRebound(to: CChar.self) { chars in
                json_dumpb(tree, chars.baseAddress, size, flags)
            }
        }
    }

    /// A new jansson tree (one reference owned by the caller); nil only if jansson cannot allocate.
    private func makeJanssonTree() -> UnsafeMutablePointer<json_t>? {
        switch self {
        case .null:
            return json_null()
        case .bool(let bool):
            return bool ? json_true() : json_false()
        case .integer(let integer):
            return json_integer(json_int_t(integer))
        case .double(let double):
            // jansson refuses non-finite reals; null is what `serialized()` writes for them too.
            return double.isFinite ? json_real(double) : json_null()
        case .string(let string):
            var string = string
            return string.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { json_stringn_nocheck($0.baseAddress, $0.count) }
            }
        case .array(let elements):
            guard let array = json_array() else { return nil }
            for element in elements {
                json_array_append_new(array, element.makeJanssonTree())
            }
            return array
        case .object(let members):
            guard let object = json_object() else { return nil }
            for (key, member) in members {
                var key = key
                key.withUTF8 { bytes in
                    _ = bytes.withMemoryRebound(to: CChar.self) {
                        json_object_setn_new_nocheck(object, $0.baseAddress, $0.count, member.makeJanssonTree())
                    }
                }
            }
            return object
        }
    }
}
