import Tensor

/// Turns bytes inside a mapped file into an fp32 `Tensor`: F32 at a 4-byte-aligned address is borrowed
/// (no copy, the mapping stays alive through the storage's owner); misaligned F32 is copied; F16 and
/// BF16 are widened into new storage.
enum TensorMaterializer {
    /// The tensor of `shape` whose contiguous elements of `type` start at byte `offset` of `file`.
    /// - Throws: `CheckpointError.malformed` when the bytes are out of the file, or the type is unsupported.
    static func tensor(
        named name: String, in file: MappedFile, at offset: Int, type: StoredElementType, shape: [Int]
    ) throws(CheckpointError) -> Tensor {
        guard let count = ShapeArithmetic.elementCount(shape),
            let byteCount = ShapeArithmetic.multiply(count, type.byteWidth),
            let end = ShapeArithmetic.add(offset, byteCount),
            let bytes = file.bytes(offset..<end)
        else {
            throw .malformed(path: file.path, reason: "tensor \(name): data lies outside the file")
        }
        guard type.isSupported else {
            throw .malformed(
                path: file.path, reason: "tensor \(name): dtype \(type.rawValue) is not supported (F32, F16, BF16)")
        }
        guard count > 0, let start = bytes.baseAddress else { return Tensor(zeros: shape) }
        switch type {
        case .float32:
            if Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
                let floats = UnsafeMutablePointer(mutating: start.assumingMemoryBound(to: Float.self))
                return Tensor(shape: shape, storage: TensorStorage(borrowing: floats, count: count, owner: file, fileBacked: true))
            }
            let tensor = Tensor(zeros: shape)
            UnsafeMutableRawPointer(tensor.storage.base).copyMemory(from: start, byteCount: byteCount)
            return tensor
        case .float16, .bfloat16:
            let tensor = Tensor(zeros: shape)
            HalfPrecision.widen(
                type == .float16 ? .float16 : .bfloat16, from: start, count: count, into: tensor.storage.base)
            return tensor
        default:
            throw .malformed(path: file.path, reason: "tensor \(name): dtype \(type.rawValue) is not supported")
        }
    }
}

/// Overflow-checked size arithmetic for untrusted shapes and offsets.
enum ShapeArithmetic {
    /// The product of `shape`, or nil when a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var product = 1
        for dimension in shape {
            guard dimension >= 0, let next = multiply(product, dimension) else { return nil }
            product = next
        }
        return product
    }

    static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : result
    }

    static func add(_ a: Int, _ b: Int) -> Int? {
        let (result, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : result
    }
}
