import ArgumentParser
import Foundation
import Glibc
import JSON
import RPC

/// A subcommand that sends one `annotate/*` request per input and prints each result.
///
/// Conformers declare their options and how a result looks; `run()` is shared: read input, reach the
/// daemon, pipeline the requests, print in input order, and map failures to exit statuses.
protocol MethodCommand: ParsableCommand {
    /// The JSON-RPC method, e.g. `annotate/label`.
    static var method: String { get }
    /// The params member an input line fills ("text"; "context" for answer).
    static var inputMember: String { get }
    var common: CommonOptions { get }
    /// The positional inputs.
    var inputs: [String] { get }
    /// Params from this command's own options (not the input), e.g. `["topK": 3]`.
    func optionParams() throws -> JSONObject
    /// Checks that only apply outside batch mode (where lines may carry these params themselves).
    func validateSingle() throws
    /// The human rendering of one result for the request `params`.
    func render(_ result: JSON, params: JSONObject, style: Style) -> String
}

extension MethodCommand {
    static var inputMember: String { "text" }
    func validateSingle() throws {}

    mutating func run() throws {
        try MethodRunner(command: self).run()
    }
}

/// The shared body of every `MethodCommand`.
struct MethodRunner<Command: MethodCommand> {
    let command: Command

    func run() throws {
        let common = command.common
        if !common.jsonl { try command.validateSingle() }
        var defaults: JSONObject = ["encoding": "utf-32"]
        if let model = common.model { defaults["model"] = .string(model) }
        for (key, value) in try command.optionParams() { defaults[key] = value }
        let lines = try common.inputLines(arguments: command.inputs)
        let client = try common.daemon.connect()
        defer { client.close() }
        if common.jsonl {
            try BatchMode(client: client, method: Command.method, window: common.window)
                .run(lines: lines, defaults: defaults, inputMember: Command.inputMember)
        } else {
            try runSingle(lines: lines, defaults: defaults, client: client)
        }
    }

    /// Human or `--json` output: each non-blank input line (or argument) is one request.
    private func runSingle(lines: LineSource, defaults: JSONObject, client: RPCClient) throws {
        let common = command.common
        let style = common.style()
        let items = lines.lazy
            .filter { !$0.allSatisfy(\.isWhitespace) }
            .map { line -> PipelineItem in
                var params = defaults
                params[Command.inputMember] = .string(line)
                return .request(params)
            }
        var failures = 0
        var delivered = 0
        // Name the failing input unless there is only the one.
        let numbered = if case .strings(let texts) = lines { texts.count > 1 } else { true }
        do {
            try Pipeline(client: client, method: Command.method, window: common.window).run(items) { index, params, outcome in
                delivered += 1
                switch outcome {
                case .success(let result):
                    if common.json {
                        Output.line(result.serializedString)
                    } else {
                        Output.line(command.render(result, params: params ?? [:], style: style))
                    }
                case .failure(let error):
                    failures += 1
                    let message = RPCClientError.response(error).description
                    Output.error(numbered ? "input \(index + 1): \(message)" : message)
                }
            }
        } catch {
            throw CLIError.daemon(error.description)
        }
        if delivered == 0 { throw CLIError.usage("no input text (blank lines are skipped)") }
        // Each failure has been reported where it happened; only the status is left to set.
        if failures > 0 { throw CLIError(status: CLIError.Status.request, description: "") }
    }
}

/// Writing results and messages.
enum Output {
    /// Prints a line on stdout.
    static func line(_ text: String) {
        print(text)
    }

    /// Prints `annotate: message` on stderr.
    static func error(_ message: String) {
        standardError("annotate: \(message)\n")
    }

    /// Writes raw text on stderr (unbuffered, so it interleaves with stdout as it happens).
    static func standardError(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Flushes buffered stdout (`fflush(nil)` flushes every output stream; naming `stdout` is not
    /// concurrency-safe in Swift 6).
    static func flush() {
        fflush(nil)
    }
}
