/// A weights file that can describe its tensors without materializing them (for `bertd inspect`).
public protocol StoredTensorListing: TensorSource {
    /// The stored element type of `name`, or nil when there is no such tensor.
    func elementType(of name: String) -> StoredElementType?
    /// The stored shape of `name`, or nil when there is no such tensor.
    func shape(of name: String) -> [Int]?
}

extension SafetensorsFile: StoredTensorListing {}
extension PyTorchCheckpoint: StoredTensorListing {}

extension CanonicalTensorSource {
    /// The stored element type of canonical `name`, when the stored file can describe it.
    public func elementType(of name: String) -> StoredElementType? {
        guard let storedName = storedName(for: name) else { return nil }
        return (stored as? any StoredTensorListing)?.elementType(of: storedName)
    }

    /// The stored shape of canonical `name`, when the stored file can describe it.
    public func shape(of name: String) -> [Int]? {
        guard let storedName = storedName(for: name) else { return nil }
        return (stored as? any StoredTensorListing)?.shape(of: storedName)
    }
}
