/// Copies a strided view of stored elements into contiguous fp32, converting the element type.
enum StridedGather {
    /// Writes the elements of the view (`shape`, `strides` in elements, starting at `source`) row-major
    /// into `destination`. The caller has checked that every index the view reaches is in bounds.
    static func gather(
        from source: UnsafeRawPointer, type: StoredElementType, shape: [Int], strides: [Int],
        into destination: UnsafeMutablePointer<Float>
    ) {
        let count = shape.reduce(1, *)
        guard count > 0 else { return }
        var index = [Int](repeating: 0, count: shape.count)
        var sourceElement = 0
        for written in 0..<count {
            destination[written] = element(source, at: sourceElement, type: type)
            // Odometer increment of the multi-index, keeping the source element offset in step.
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                sourceElement += strides[axis]
                if index[axis] < shape[axis] { break }
                sourceElement -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    private static func element(_ source: UnsafeRawPointer, at element: Int, type: StoredElementType) -> Float {
        switch type {
        case .float16:
            HalfPrecision.float(
                fromHalf: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * element, as: UInt16.self)))
        case .bfloat16:
            HalfPrecision.float(
                fromBFloat: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * element, as: UInt16.self)))
        default:
            Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * element, as: UInt32.self)))
        }
    }
}
