// libFuzzer entry point, compiled together with Sources/JSON (one module) by scripts/fuzz.sh JSON.
// Every input must either throw a well-formed JSONParseError or parse to a value that round-trips exactly.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let value: JSON
    do {
        value = try JSON.parse(bytes)
    } catch {
        precondition(error.position >= 0 && error.position <= size, "error position \(error.position) outside input")
        precondition(error.line >= 1 && error.column >= 1 && !error.message.isEmpty, "malformed error \(error)")
        return 0
    }
    let written = value.serialized()
    let reparsed: JSON
    do {
        reparsed = try JSON.parse(written)
    } catch {
        preconditionFailure("output does not parse: \(error) in \(String(decoding: written, as: UTF8.self))")
    }
    precondition(identical(reparsed, value), "round trip changed the value")
    precondition(reparsed.serialized() == written, "second serialization differs")
    if !containsDouble(value) {
        precondition(value.serializedByJansson() == written, "writer differs from jansson")
    }
    do {
        let shallow = try JSON.parse(bytes, maxDepth: 3)
        precondition(identical(shallow, value), "depth limit changed the value")
    } catch {
        precondition(error.message == "nesting deeper than 3 levels", "unexpected shallow error \(error)")
    }
    return 0
}

/// Equality with doubles compared by bits and object members by order.
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

func containsDouble(_ value: JSON) -> Bool {
    switch value {
    case .double: true
    case .array(let elements): elements.contains(where: containsDouble)
    case .object(let object): object.values.contains(where: containsDouble)
    default: false
    }
}
