/// Bounds-checked little-endian reads from a byte buffer; every read past the end returns nil.
///
/// All parsing of untrusted file structure (safetensors header length, zip records, pickle opcodes)
/// goes through this type, so no parser can read outside the buffer it was given.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    /// Offset of the next byte to read.
    var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Whether every byte has been read.
    var isAtEnd: Bool { offset >= bytes.count }

    /// The little-endian unsigned integer of `width` bytes at `position` (no cursor move), or nil.
    func unsigned(at position: Int, width: Int) -> UInt64? {
        guard width >= 1, width <= 8, position >= 0, position <= bytes.count - width else { return nil }
        var value: UInt64 = 0
        for index in stride(from: width - 1, through: 0, by: -1) {
            value = value << 8 | UInt64(bytes[position + index])
        }
        return value
    }

    /// Reads a little-endian unsigned integer of `width` bytes and advances.
    mutating func readUnsigned(width: Int) -> UInt64? {
        guard let value = unsigned(at: offset, width: width) else { return nil }
        offset += width
        return value
    }

    mutating func readUInt8() -> UInt8? { readUnsigned(width: 1).map { UInt8($0) } }
    mutating func readUInt16() -> UInt16? { readUnsigned(width: 2).map { UInt16($0) } }
    mutating func readUInt32() -> UInt32? { readUnsigned(width: 4).map { UInt32($0) } }
    mutating func readUInt64() -> UInt64? { readUnsigned(width: 8) }

    /// Reads `count` bytes and advances, or nil when fewer remain.
    mutating func readBytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, offset <= bytes.count, count <= bytes.count - offset else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }
}
