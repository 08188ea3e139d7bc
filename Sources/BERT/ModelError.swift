/// Errors from building or running a model (checkpoint problems are `CheckpointError`).
public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// config.json names an architecture bertd does not implement (or none).
    case unsupportedArchitecture(String?)
    /// The config is inconsistent (e.g. hidden size not divisible by the head count).
    case invalidConfig(String)
    /// A batch the model cannot run: empty or over-long sequence, id out of range, bad positions.
    case invalidInput(String)
    /// The caller's cancellation hook fired between layers.
    case cancelled

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let name): "unsupported architecture \(name ?? "(none)")"
        case .invalidConfig(let reason): "invalid model config: \(reason)"
        case .invalidInput(let reason): "invalid input: \(reason)"
        case .cancelled: "cancelled"
        }
    }
}
