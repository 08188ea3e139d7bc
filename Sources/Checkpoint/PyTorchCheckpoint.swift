import Tensor

/// A `pytorch_model.bin` in torch's zip format, read without Python: the state dict's pickle is
/// interpreted by a restricted machine, and tensors point into the mapped storage entries.
public struct PyTorchCheckpoint: TensorSource {
    /// The mapped archive.
    public let file: MappedFile
    /// Tensor names in the order the state dict lists them.
    public let tensorNames: [String]
    private let records: [String: TorchTensorRecord]
    /// Storage entries by storage key.
    private let storages: [String: ZipArchive.Entry]

    /// Maps `path` and reads its state dict.
    /// - Throws: `CheckpointError.io` when the file cannot be mapped, `.malformed` naming the broken
    ///   part (zip record, pickle opcode and offset, tensor) otherwise.
    public init(path: String) throws(CheckpointError) {
        try self.init(file: MappedFile(path: path))
    }

    /// Reads the state dict of an already mapped archive.
    public init(file: MappedFile) throws(CheckpointError) {
        self.file = file
        let archive = try ZipArchive(file: file)
        let root = try Self.rootFolder(archive)
        if let order = archive.entry(named: root + "byteorder"),
            let bytes = file.bytes(order.dataOffset..<(order.dataOffset + order.size)),
            String(decoding: bytes, as: UTF8.self) != "little"
        {
            throw .malformed(path: file.path, reason: "byteorder is not little-endian")
        }
        var storages: [String: ZipArchive.Entry] = [:]
        let dataFolder = root + "data/"
        for entry in archive.entries where entry.name.hasPrefix(dataFolder) {
            storages[String(entry.name.dropFirst(dataFolder.count))] = entry
        }
        self.storages = storages
        let (names, records) = try Self.readStateDict(archive, pickleName: root + "data.pkl")
        for name in names {
            guard let record = records[name] else { continue }
            try Self.validate(record, named: name, storages: storages, path: file.path)
        }
        self.tensorNames = names
        self.records = records
    }

    /// The stored element type of `name`, or nil when there is no such tensor.
    public func elementType(of name: String) -> StoredElementType? {
        records[name]?.storage.type
    }

    /// The stored shape of `name`, or nil when there is no such tensor.
    public func shape(of name: String) -> [Int]? {
        records[name]?.shape
    }

    public func tensor(named name: String) throws(CheckpointError) -> Tensor? {
        guard let record = records[name], let entry = storages[record.storage.key] else { return nil }
        let width = record.storage.type.byteWidth
        let start = entry.dataOffset + record.offset * width
        if Self.isContiguous(record) {
            return try TensorMaterializer.tensor(
                named: name, in: file, at: start, type: record.storage.type, shape: record.shape)
        }
        guard record.storage.type.isSupported else {
            throw .malformed(
                path: file.path,
                reason: "tensor \(name): dtype \(record.storage.type.rawValue) is not supported (F32, F16, BF16)")
        }
        // A strided view (e.g. a saved transpose): copy it into row-major order.
        let tensor = Tensor(zeros: record.shape)
        guard let base = file.bytes(entry.dataOffset..<(entry.dataOffset + entry.size))?.baseAddress else {
            return tensor
        }
        StridedGather.gather(
            from: base + record.offset * width, type: record.storage.type, shape: record.shape,
            strides: record.strides, into: tensor.storage.base)
        return tensor
    }

    // MARK: - Reading

    /// The archive's top folder (torch names it after the file, or `archive`), with a trailing slash.
    private static func rootFolder(_ archive: ZipArchive) throws(CheckpointError) -> String {
        let pickles = archive.entries.filter {
            $0.name.hasSuffix("/data.pkl") && $0.name.split(separator: "/", omittingEmptySubsequences: false).count == 2
        }
        guard pickles.count == 1 else {
            throw .malformed(
                path: archive.file.path,
                reason: pickles.isEmpty ? "no <folder>/data.pkl entry (not a torch zip checkpoint)" : "several data.pkl entries")
        }
        return String(pickles[0].name.dropLast("data.pkl".count))
    }

    private static func readStateDict(
        _ archive: ZipArchive, pickleName: String
    ) throws(CheckpointError) -> ([String], [String: TorchTensorRecord]) {
        let path = archive.file.path
        guard let entry = archive.entry(named: pickleName),
            let bytes = archive.file.bytes(entry.dataOffset..<(entry.dataOffset + entry.size))
        else { throw .malformed(path: path, reason: "\(pickleName) is missing") }
        var machine = PickleMachine(bytes, environment: TorchPickleEnvironment())
        let value: PickleValue
        do {
            value = try machine.run()
        } catch {
            throw .malformed(path: path, reason: "\(pickleName) at byte \(error.offset): \(error.reason)")
        }
        guard case .dict(let dictionary) = value else {
            throw .malformed(path: path, reason: "\(pickleName) holds a \(value.kindName), not a state dict")
        }
        var names: [String] = []
        var records: [String: TorchTensorRecord] = [:]
        for (key, item) in dictionary.entries {
            guard case .string(let name) = key else {
                throw .malformed(path: path, reason: "state dict key of type \(key.kindName)")
            }
            guard case .opaque(let opaque) = item, let record = opaque as? TorchTensorRecord else {
                throw .malformed(path: path, reason: "state dict entry \(name) is a \(item.kindName), not a tensor")
            }
            guard records.updateValue(record, forKey: name) == nil else {
                throw .malformed(path: path, reason: "state dict lists tensor \(name) twice")
            }
            names.append(name)
        }
        return (names, records)
    }

    /// Checks that every element the view reaches lies inside its storage and the storage inside its entry.
    private static func validate(
        _ record: TorchTensorRecord, named name: String, storages: [String: ZipArchive.Entry], path: String
    ) throws(CheckpointError) {
        let storage = record.storage
        guard let entry = storages[storage.key] else {
            throw .malformed(path: path, reason: "tensor \(name): storage data/\(storage.key) is missing")
        }
        guard let storageBytes = ShapeArithmetic.multiply(storage.count, storage.type.byteWidth),
            storageBytes <= entry.size
        else { throw .malformed(path: path, reason: "tensor \(name): storage data/\(storage.key) is truncated") }
        guard let count = ShapeArithmetic.elementCount(record.shape) else {
            throw .malformed(path: path, reason: "tensor \(name): invalid shape \(record.shape)")
        }
        guard count > 0 else { return }
        var last = record.offset
        for (size, stride) in zip(record.shape, record.strides) {
            guard stride >= 0, let step = ShapeArithmetic.multiply(size - 1, stride),
                let next = ShapeArithmetic.add(last, step)
            else { throw .malformed(path: path, reason: "tensor \(name): invalid stride \(record.strides)") }
            last = next
        }
        guard last < storage.count else {
            throw .malformed(path: path, reason: "tensor \(name): view reaches past its storage data/\(storage.key)")
        }
    }

    /// Whether the view is row-major contiguous (dimensions of extent 1 may have any stride).
    private static func isContiguous(_ record: TorchTensorRecord) -> Bool {
        var expected = 1
        for (size, stride) in zip(record.shape, record.strides).reversed() where size != 1 {
            guard stride == expected else { return false }
            expected *= size
        }
        return true
    }
}
