/// A storage named by a persistent id in torch's `data.pkl`: its bytes are the zip entry `data/<key>`.
struct TorchStorageReference: Sendable, Equatable {
    var type: StoredElementType
    var key: String
    /// Elements in the storage.
    var count: Int
}

/// A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided view of a storage.
struct TorchTensorRecord: Sendable, Equatable {
    var storage: TorchStorageReference
    /// Offset of the first element, in elements.
    var offset: Int
    var shape: [Int]
    /// Strides in elements.
    var strides: [Int]
}

/// The meaning of the few globals torch's state-dict pickles use. Everything else is refused.
struct TorchPickleEnvironment: PickleEnvironment {
    /// Storage classes by their `torch.<Name>Storage` global name.
    static let storageTypes: [String: StoredElementType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16,
        "DoubleStorage": .float64, "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16,
        "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool,
    ]

    func allowsGlobal(module: String, name: String) -> Bool {
        switch (module, name) {
        case ("collections", "OrderedDict"),
            ("torch._utils", "_rebuild_tensor_v2"),
            ("torch._utils", "_rebuild_parameter"):
            true
        case ("torch", _):
            Self.storageTypes[name] != nil
        default:
            false
        }
    }

    func call(module: String, name: String, arguments: [PickleValue]) throws(PickleError) -> PickleValue {
        switch (module, name) {
        case ("collections", "OrderedDict"):
            guard arguments.isEmpty else { throw Self.fail("OrderedDict called with arguments") }
            return .dict(PickleDictionary())
        case ("torch._utils", "_rebuild_tensor_v2"):
            return .opaque(try rebuildTensor(arguments))
        case ("torch._utils", "_rebuild_parameter"):
            // (data, requires_grad, backward_hooks): a Parameter is its data for inference.
            guard arguments.count == 3, case .opaque(let data) = arguments[0], data is TorchTensorRecord else {
                throw Self.fail("_rebuild_parameter expects (tensor, requires_grad, hooks)")
            }
            return arguments[0]
        default:
            throw Self.fail("\(module).\(name) cannot be called")
        }
    }

    /// ('storage', torch.<Type>Storage, key, location, numel) -> a storage reference.
    func persistentLoad(_ id: PickleValue) throws(PickleError) -> PickleValue {
        guard let fields = id.tupleItems, fields.count == 5,
            case .string("storage") = fields[0],
            case .global("torch", let typeName) = fields[1], let type = Self.storageTypes[typeName],
            case .string(let key) = fields[2],
            case .string = fields[3],
            case .int(let count) = fields[4], count >= 0
        else { throw Self.fail("persistent id is not ('storage', type, key, location, numel)") }
        return .opaque(TorchStorageReference(type: type, key: key, count: count))
    }

    /// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]).
    private func rebuildTensor(_ arguments: [PickleValue]) throws(PickleError) -> TorchTensorRecord {
        guard arguments.count == 6 || arguments.count == 7,
            case .opaque(let storageValue) = arguments[0], let storage = storageValue as? TorchStorageReference,
            case .int(let offset) = arguments[1], offset >= 0,
            let shape = Self.integers(arguments[2]), let strides = Self.integers(arguments[3]),
            shape.count == strides.count
        else { throw Self.fail("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, ...)") }
        return TorchTensorRecord(storage: storage, offset: offset, shape: shape, strides: strides)
    }

    private static func integers(_ value: PickleValue) -> [Int]? {
        guard let items = value.tupleItems else { return nil }
        var result: [Int] = []
        for item in items {
            guard case .int(let number) = item else { return nil }
            result.append(number)
        }
        return result
    }

    private static func fail(_ reason: String) -> PickleError {
        // The machine replaces the offset with that of the opcode that called in here.
        PickleError(offset: 0, reason: reason)
    }
}
