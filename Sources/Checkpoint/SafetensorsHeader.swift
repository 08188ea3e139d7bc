import JSON

/// The validated header of a safetensors file: an 8-byte little-endian length, then a JSON object
/// mapping tensor names to `{dtype, shape, data_offsets}` (offsets relative to the end of the header).
struct SafetensorsHeader {
    /// One tensor's place in the data section.
    struct Entry: Equatable {
        var name: String
        var type: StoredElementType
        var shape: [Int]
        /// Absolute byte offset of the first element in the file.
        var offset: Int
        var byteCount: Int
    }

    /// The safetensors library refuses headers above 100 MB; so do we, before parsing anything.
    static let maximumHeaderLength = 100_000_000

    /// Entries in header order.
    var entries: [Entry]
    /// The free-form `__metadata__` strings.
    var metadata: [String: String]

    /// Parses and validates the header of `bytes` (the whole file).
    /// - Throws: `CheckpointError.malformed` naming `path` and the field or tensor at fault.
    init(_ bytes: UnsafeRawBufferPointer, path: String) throws(CheckpointError) {
        func fail(_ reason: String) -> CheckpointError { .malformed(path: path, reason: reason) }
        let reader = ByteReader(bytes)
        guard let length = reader.unsigned(at: 0, width: 8) else { throw fail("file shorter than its 8-byte header length") }
        guard length <= UInt64(Self.maximumHeaderLength) else { throw fail("header length \(length) is too large") }
        let headerEnd = 8 + Int(length)
        guard headerEnd <= bytes.count else {
            throw fail("header length \(length) runs past the end of the file (\(bytes.count) bytes)")
        }
        let json: JSON
        do {
            // Entries nest three levels deep (object, entry, shape); deeper input is not a header.
            json = try JSON.parse(UnsafeRawBufferPointer(rebasing: bytes[8..<headerEnd]), maxDepth: 3)
        } catch {
            throw fail("header is not valid JSON: \(error)")
        }
        guard case .object(let object) = json else { throw fail("header is a JSON \(json.typeName), not an object") }
        let dataLength = bytes.count - headerEnd
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                metadata = try Self.metadata(value, fail: fail)
                continue
            }
            entries.append(try Self.entry(name, value, dataStart: headerEnd, dataLength: dataLength, fail: fail))
        }
        // Tensors may not share bytes: sorted by offset, each must end before the next begins.
        let sorted = entries.sorted { ($0.offset, $0.byteCount) < ($1.offset, $1.byteCount) }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.offset + previous.byteCount > next.offset {
            throw fail("tensors \(previous.name) and \(next.name) overlap")
        }
        self.entries = entries
        self.metadata = metadata
    }

    private static func metadata(
        _ value: JSON, fail: (String) -> CheckpointError
    ) throws(CheckpointError) -> [String: String] {
        guard case .object(let object) = value else { throw fail("__metadata__ is not an object") }
        var metadata: [String: String] = [:]
        for (key, item) in object {
            guard let string = item.stringValue else { throw fail("__metadata__.\(key) is not a string") }
            metadata[key] = string
        }
        return metadata
    }

    private static func entry(
        _ name: String, _ value: JSON, dataStart: Int, dataLength: Int, fail: (String) -> CheckpointError
    ) throws(CheckpointError) -> Entry {
        guard case .object = value else { throw fail("tensor \(name): entry is not an object") }
        guard let typeName = value["dtype"]?.stringValue else { throw fail("tensor \(name): dtype missing or not a string") }
        guard let type = StoredElementType(rawValue: typeName) else { throw fail("tensor \(name): unknown dtype \(typeName)") }
        guard let dimensions = value["shape"]?.arrayValue else { throw fail("tensor \(name): shape missing or not an array") }
        var shape: [Int] = []
        for dimension in dimensions {
            guard let extent = dimension.intValue, extent >= 0 else {
                throw fail("tensor \(name): shape holds \(dimension), not a non-negative integer")
            }
            shape.append(extent)
        }
        guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
            let begin = offsets[0].intValue, let end = offsets[1].intValue
        else { throw fail("tensor \(name): data_offsets is not [begin, end]") }
        guard begin >= 0, begin <= end, end <= dataLength else {
            throw fail("tensor \(name): data_offsets [\(begin), \(end)] outside the data section (\(dataLength) bytes)")
        }
        guard let count = ShapeArithmetic.elementCount(shape),
            let byteCount = ShapeArithmetic.multiply(count, type.byteWidth), byteCount == end - begin
        else {
            throw fail("tensor \(name): data_offsets span \(end - begin) bytes, but shape \(shape) of \(typeName) needs another size")
        }
        return Entry(name: name, type: type, shape: shape, offset: dataStart + begin, byteCount: byteCount)
    }
}
