import Tensor

/// A memory-mapped `model.safetensors`. F32 tensors point into the mapping (no copy when 4-byte
/// aligned, which the format's writers ensure); F16 and BF16 are widened to fp32 on request.
public struct SafetensorsFile: TensorSource {
    /// The mapped file.
    public let file: MappedFile
    /// Tensor names in header order.
    public let tensorNames: [String]
    /// The header's `__metadata__` strings (e.g. `format: pt`).
    public let metadata: [String: String]
    private let entries: [String: SafetensorsHeader.Entry]

    /// Maps `path` and validates its header.
    /// - Throws: `CheckpointError.io` when the file cannot be mapped, `.malformed` naming the fault.
    public init(path: String) throws(CheckpointError) {
        try self.init(file: MappedFile(path: path))
    }

    /// Validates the header of an already mapped file.
    public init(file: MappedFile) throws(CheckpointError) {
        let header = try SafetensorsHeader(file.allBytes, path: file.path)
        self.file = file
        self.tensorNames = header.entries.map(\.name)
        self.metadata = header.metadata
        var entries: [String: SafetensorsHeader.Entry] = [:]
        for entry in header.entries { entries[entry.name] = entry }
        self.entries = entries
    }

    /// The stored element type of `name`, or nil when there is no such tensor.
    public func elementType(of name: String) -> StoredElementType? {
        entries[name]?.type
    }

    /// The stored shape of `name`, or nil when there is no such tensor.
    public func shape(of name: String) -> [Int]? {
        entries[name]?.shape
    }

    public func tensor(named name: String) throws(CheckpointError) -> Tensor? {
        guard let entry = entries[name] else { return nil }
        return try TensorMaterializer.tensor(named: name, in: file, at: entry.offset, type: entry.type, shape: entry.shape)
    }
}
