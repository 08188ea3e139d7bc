/// The entries of a zip archive held in a mapped file, read from its central directory.
///
/// Only what torch writes is supported: STORED (uncompressed) entries, with or without ZIP64 records and
/// data descriptors. Entry data is located, bounds-checked and left in place, so callers can point into it.
struct ZipArchive {
    /// One stored entry: its name and where its bytes lie in the file.
    struct Entry: Equatable {
        var name: String
        /// Offset of the first data byte in the file.
        var dataOffset: Int
        var size: Int
    }

    let file: MappedFile
    /// Entries in central-directory order.
    let entries: [Entry]

    /// Reads the central directory of `file`.
    /// - Throws: `CheckpointError.malformed` naming the file and the broken record.
    init(file: MappedFile) throws(CheckpointError) {
        self.file = file
        let reader = ByteReader(file.allBytes)
        let directory = try Self.findDirectory(reader, path: file.path)
        var entries: [Entry] = []
        entries.reserveCapacity(min(directory.count, 1 << 16))
        var cursor = ByteReader(file.allBytes, offset: directory.offset)
        for index in 0..<directory.count {
            entries.append(try Self.readEntry(&cursor, index: index, file: file))
        }
        self.entries = entries
    }

    /// The entry named exactly `name`.
    func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    // MARK: - End of central directory

    private static let endSignature: UInt64 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt64 = 0x0706_4b50
    private static let zip64EndSignature: UInt64 = 0x0606_4b50
    private static let centralSignature: UInt64 = 0x0201_4b50
    private static let localSignature: UInt64 = 0x0403_4b50

    /// Where the central directory starts and how many entries it has.
    private static func findDirectory(
        _ reader: ByteReader, path: String
    ) throws(CheckpointError) -> (offset: Int, count: Int) {
        // The end record is 22 bytes plus a comment of at most 65535 bytes, so it lies near the end.
        let size = reader.bytes.count
        var position = size - 22
        let lowest = max(0, size - 22 - 0xFFFF)
        var found: Int?
        while position >= lowest {
            if reader.unsigned(at: position, width: 4) == endSignature { found = position; break }
            position -= 1
        }
        guard let end = found,
            let count16 = reader.unsigned(at: end + 10, width: 2),
            let offset32 = reader.unsigned(at: end + 16, width: 4)
        else { throw .malformed(path: path, reason: "not a zip archive (no end of central directory record)") }
        var count = count16
        var offset = offset32
        if count16 == 0xFFFF || offset32 == 0xFFFF_FFFF {
            // ZIP64: a locator just before the end record points to the 64-bit end record.
            guard reader.unsigned(at: end - 20, width: 4) == zip64LocatorSignature,
                let recordOffset = reader.unsigned(at: end - 12, width: 8),
                let record = Int(exactly: recordOffset), record < size,
                reader.unsigned(at: record, width: 4) == zip64EndSignature,
                let count64 = reader.unsigned(at: record + 32, width: 8),
                let offset64 = reader.unsigned(at: record + 48, width: 8)
            else { throw .malformed(path: path, reason: "zip: broken ZIP64 end of central directory") }
            count = count64
            offset = offset64
        }
        // Each central entry takes at least 46 bytes; a larger count cannot be honest.
        guard let directoryOffset = Int(exactly: offset), directoryOffset < size,
            let entryCount = Int(exactly: count), entryCount <= (size - directoryOffset) / 46
        else { throw .malformed(path: path, reason: "zip: central directory out of bounds") }
        return (directoryOffset, entryCount)
    }

    // MARK: - Entries

    private static func readEntry(
        _ cursor: inout ByteReader, index: Int, file: MappedFile
    ) throws(CheckpointError) -> Entry {
        let path = file.path
        let start = cursor.offset
        guard cursor.unsigned(at: start, width: 4) == centralSignature,
            let flags = cursor.unsigned(at: start + 8, width: 2),
            let method = cursor.unsigned(at: start + 10, width: 2),
            let compressed32 = cursor.unsigned(at: start + 20, width: 4),
            let size32 = cursor.unsigned(at: start + 24, width: 4),
            let nameLength = cursor.unsigned(at: start + 28, width: 2),
            let extraLength = cursor.unsigned(at: start + 30, width: 2),
            let commentLength = cursor.unsigned(at: start + 32, width: 2),
            let local32 = cursor.unsigned(at: start + 42, width: 4)
        else { throw .malformed(path: path, reason: "zip: central directory entry \(index) is truncated") }
        cursor.offset = start + 46
        guard let nameBytes = cursor.readBytes(Int(nameLength)),
            let extra = cursor.readBytes(Int(extraLength)),
            cursor.readBytes(Int(commentLength)) != nil
        else { throw .malformed(path: path, reason: "zip: central directory entry \(index) is truncated") }
        let name = String(decoding: nameBytes, as: UTF8.self)
        guard flags & 0x1 == 0 else { throw .malformed(path: path, reason: "zip: entry \(name) is encrypted") }
        guard method == 0 else {
            throw .malformed(
                path: path, reason: "zip: entry \(name) uses compression method \(method); only STORED is supported")
        }
        var size = size32
        var compressed = compressed32
        var local = local32
        try readZip64Extra(extra, size: &size, compressed: &compressed, local: &local, name: name, path: path)
        guard size == compressed else {
            throw .malformed(path: path, reason: "zip: stored entry \(name) has differing sizes")
        }
        let dataOffset = try localDataOffset(local, name: name, file: file)
        guard let byteCount = Int(exactly: size), let dataEnd = ShapeArithmetic.add(dataOffset, byteCount),
            file.bytes(dataOffset..<dataEnd) != nil
        else { throw .malformed(path: path, reason: "zip: entry \(name) data lies outside the file") }
        return Entry(name: name, dataOffset: dataOffset, size: byteCount)
    }

    /// Replaces 32-bit fields saturated at 0xFFFFFFFF with their values from the ZIP64 extra field.
    private static func readZip64Extra(
        _ extra: UnsafeRawBufferPointer, size: inout UInt64, compressed: inout UInt64, local: inout UInt64,
        name: String, path: String
    ) throws(CheckpointError) {
        guard size == 0xFFFF_FFFF || compressed == 0xFFFF_FFFF || local == 0xFFFF_FFFF else { return }
        var reader = ByteReader(extra)
        while let tag = reader.readUInt16(), let length = reader.readUInt16() {
            guard let body = reader.readBytes(Int(length)) else { break }
            guard tag == 0x0001 else { continue }
            // Fields appear in this order, and only those saturated in the central record.
            var fields = ByteReader(body)
            if size == 0xFFFF_FFFF {
                guard let value = fields.readUInt64() else { break }
                size = value
            }
            if compressed == 0xFFFF_FFFF {
                guard let value = fields.readUInt64() else { break }
                compressed = value
            }
            if local == 0xFFFF_FFFF {
                guard let value = fields.readUInt64() else { break }
                local = value
            }
            return
        }
        throw .malformed(path: path, reason: "zip: entry \(name) lacks its ZIP64 extra field")
    }

    /// The offset of an entry's data: past its local header, whose name and extra lengths may differ
    /// from the central record's (torch pads the local extra field to align data).
    private static func localDataOffset(_ local: UInt64, name: String, file: MappedFile) throws(CheckpointError) -> Int {
        let reader = ByteReader(file.allBytes)
        guard let header = Int(exactly: local), header < reader.bytes.count,
            reader.unsigned(at: header, width: 4) == localSignature,
            let nameLength = reader.unsigned(at: header + 26, width: 2),
            let extraLength = reader.unsigned(at: header + 28, width: 2)
        else { throw .malformed(path: file.path, reason: "zip: local header of \(name) is missing or truncated") }
        return header + 30 + Int(nameLength) + Int(extraLength)
    }
}
