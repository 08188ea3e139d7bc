import Glibc

/// Owner of a block of fp32 memory: either allocated here or borrowed from memory (such as a mapped
/// checkpoint file) that `owner` keeps alive.
///
/// Storage is a reference type on purpose: weights are shared by every request without copies, and
/// scratch buffers are reused across layers. Code that writes through `base` must own the buffer
/// exclusively (scratch space of one forward pass), which is why this type is `@unchecked Sendable`.
public final class TensorStorage: @unchecked Sendable {
    /// First element.
    public let base: UnsafeMutablePointer<Float>
    /// Number of fp32 elements.
    public let count: Int
    private let owner: AnyObject?
    private let ownsMemory: Bool
    /// Whether the memory is a read-only mapping of a file, whose pages the kernel can drop and read again.
    public let isFileBacked: Bool

    /// Allocates `count` zero-initialised elements, 64-byte aligned for vector kernels.
    public convenience init(zeroed count: Int) {
        self.init(uninitialized: count)
        base.initialize(repeating: 0, count: max(count, 1))
    }

    /// Allocates `count` elements whose contents are undefined until the caller writes every one of them
    /// (weights re-laid out at load). Large blocks ask for transparent huge pages: a few hundred faults
    /// instead of tens of thousands when the block is first written.
    public init(uninitialized count: Int) {
        precondition(count >= 0, "negative tensor size")
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let hugePage = 2 << 20
        let alignment = bytes >= 2 * hugePage ? hugePage : 64
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, alignment, bytes) == 0, let memory else {
            preconditionFailure("out of memory allocating \(bytes) bytes")
        }
        if alignment == hugePage { _ = madvise(memory, bytes / hugePage * hugePage, MADV_HUGEPAGE) }
        self.base = memory.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        self.owner = nil
        self.ownsMemory = true
        self.isFileBacked = false
    }

    /// Wraps memory owned by `owner` (kept alive as long as this storage lives); nothing is copied.
    /// - Parameter fileBacked: the memory is a read-only private mapping of a file (see `releasePages`).
    public init(borrowing base: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject, fileBacked: Bool = false) {
        self.base = base
        self.count = count
        self.owner = owner
        self.ownsMemory = false
        self.isFileBacked = fileBacked
    }

    /// Lets the kernel drop the resident pages of a file-backed storage (after the weights were re-laid out
    /// elsewhere); a later read faults them back in from the file, so the contents never change. Does
    /// nothing for other memory, where dropping pages would lose data.
    public func releasePages() {
        guard isFileBacked, count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + count * MemoryLayout<Float>.stride) / page * page
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, MADV_DONTNEED)
    }

    deinit {
        // Owned memory always comes from posix_memalign (init(uninitialized:)).
        if ownsMemory { free(base) }
    }
}

/// A dense, row-major fp32 tensor: a shape over a storage.
public struct Tensor: Sendable {
    /// Extent of each dimension, outermost first.
    public let shape: [Int]
    /// The memory the elements live in.
    public let storage: TensorStorage

    /// Number of elements (product of `shape`).
    public var count: Int { shape.reduce(1, *) }

    /// A zero-filled tensor of the given shape.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(zeroed: shape.reduce(1, *))
    }

    /// A tensor holding a copy of `values`, which must have exactly `shape.reduce(1, *)` elements.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "values do not fill shape \(shape)")
        self.init(zeros: shape)
        values.withUnsafeBufferPointer { source in
            guard let from = source.baseAddress else { return }
            storage.base.update(from: from, count: values.count)
        }
    }

    /// A tensor over existing storage (no copy); the storage must hold at least the shape's elements.
    public init(shape: [Int], storage: TensorStorage) {
        precondition(storage.count >= shape.reduce(1, *), "storage too small for shape \(shape)")
        self.shape = shape
        self.storage = storage
    }

    /// A copy of the elements, row-major.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// The same elements seen with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, storage: storage)
    }
}
