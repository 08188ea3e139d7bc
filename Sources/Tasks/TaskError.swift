import BERT

/// Why a task could not run; every message names the input or option at fault.
public enum TaskError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model's head cannot serve this task (e.g. a QA task given a masked-LM checkpoint).
    case wrongHead(task: String, head: HeadKind)
    /// An option is out of range or inconsistent.
    case invalidOption(String)
    /// An input cannot be split into windows (e.g. a question that leaves no room for the context), or is
    /// longer than a task that cannot window (classification) accepts.
    case inputTooLong(tokens: Int, limit: Int)
    /// Fill-mask input without a mask token.
    case noMaskToken
    /// The model returned no output of the kind the task needs (a head/runner mismatch).
    case missingOutput(String)

    public var description: String {
        switch self {
        case .wrongHead(let task, let head): "a \(head.rawValue) model cannot serve \(task)"
        case .invalidOption(let message): "invalid option: \(message)"
        case .inputTooLong(let tokens, let limit): "input has \(tokens) tokens; at most \(limit) fit"
        case .noMaskToken: "the text has no mask token"
        case .missingOutput(let what): "the model produced no \(what)"
        }
    }
}
