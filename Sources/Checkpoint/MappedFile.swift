#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory; lives as long as any tensor borrowed from it.
///
/// Weights are served by pointing into this mapping ("map the file, then point into it"), so loading a
/// checkpoint costs page-table entries, not copies. The mapping is immutable, hence `Sendable`.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened at, for error messages.
    public let path: String
    /// Size of the file in bytes.
    public let count: Int
    /// Start of the mapping; nil for an empty file (mmap refuses zero-length mappings).
    private let base: UnsafeRawPointer?

    /// Opens and maps `path` (PROT_READ, MAP_PRIVATE).
    /// - Throws: `CheckpointError.io` naming the path and the system's reason.
    public init(path: String) throws(CheckpointError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(path: path, reason: Self.systemReason()) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .io(path: path, reason: Self.systemReason()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .io(path: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        self.count = size
        if size == 0 {
            self.base = nil
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let mapped, mapped != MAP_FAILED else { throw .io(path: path, reason: Self.systemReason()) }
        self.base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The bytes in `range`, or nil when the range does not lie within the file.
    public func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer? {
        guard range.lowerBound >= 0, range.upperBound <= count else { return nil }
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// All bytes of the file.
    public var allBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : count)
    }

    /// Whether `path` names an existing regular file (following symlinks).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private static func systemReason() -> String {
        String(cString: strerror(errno))
    }
}
