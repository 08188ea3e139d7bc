/// A failure that ends the command with a specific exit status and a message on stderr.
struct CLIError: Error, CustomStringConvertible {
    /// The process exit status.
    let status: Int32
    let description: String

    /// Exit statuses, as documented in `annotate --help`.
    enum Status {
        static let ok: Int32 = 0
        static let usage: Int32 = 1
        static let daemon: Int32 = 2
        static let request: Int32 = 3
    }

    /// Bad arguments or input the user must fix (exit 1).
    static func usage(_ message: String) -> CLIError { CLIError(status: Status.usage, description: message) }
    /// No daemon, or the connection broke (exit 2).
    static func daemon(_ message: String) -> CLIError { CLIError(status: Status.daemon, description: message) }
    /// The daemon refused a request (exit 3).
    static func request(_ message: String) -> CLIError { CLIError(status: Status.request, description: message) }
}
