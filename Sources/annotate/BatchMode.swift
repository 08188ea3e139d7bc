import Foundation
import Glibc
import JSON
import RPC

/// `--jsonl`: streams input lines through the daemon and writes one JSON line per input line, in order.
struct BatchMode {
    let client: RPCClient
    let method: String
    let window: Int

    /// Runs every line; failed lines become `{"error": {...}}` lines.
    /// - Throws: `CLIError` with status 3 when any line failed, 2 when the connection failed.
    func run(lines: LineSource, defaults: JSONObject, inputMember: String) throws(CLIError) {
        let progress = Progress(enabled: isatty(STDERR_FILENO) == 1)
        var failures = 0
        var written = 0
        let items = lines.lazy.enumerated().map { number, line in
            Self.item(line, number: number + 1, defaults: defaults, inputMember: inputMember)
        }
        var connectionError: RPCClientError?
        do {
            try Pipeline(client: client, method: method, window: window).run(items) { _, _, outcome in
                switch outcome {
                case .success(let result):
                    Output.line(result.serializedString)
                case .failure(let error):
                    failures += 1
                    Output.line(JSON.object(["error": error.json]).serializedString)
                }
                written += 1
                progress.update(lines: written, failures: failures)
            }
        } catch {
            connectionError = error
        }
        Output.flush()
        progress.finish(lines: written, failures: failures)
        if let connectionError {
            throw .daemon("\(connectionError.description) after \(written) lines")
        }
        if failures > 0 { throw CLIError(status: CLIError.Status.request, description: "") }
    }

    /// The request for one input line: a JSON object is the params (over `defaults`), other text the input.
    static func item(_ line: String, number: Int, defaults: JSONObject, inputMember: String) -> PipelineItem {
        var params = defaults
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.first == "{" else {
            params[inputMember] = .string(line)
            return .request(params)
        }
        // A line that looks like JSON but is not must fail loudly rather than be annotated as text.
        let value: JSON
        do {
            value = try JSON.parse(line)
        } catch {
            return .invalid(RPCError.parseError("line \(number): \(error.description)"))
        }
        guard case .object(let object) = value else {
            return .invalid(RPCError.invalidRequest("line \(number): expected a JSON object, got \(value.typeName)"))
        }
        for (key, value) in object { params[key] = value }
        return .request(params)
    }
}

/// Batch progress on stderr (only on a terminal) and the throughput summary at the end.
final class Progress {
    private let enabled: Bool
    private let start = Date()
    private var lastDrawn = Date.distantPast

    init(enabled: Bool) {
        self.enabled = enabled
    }

    /// Redraws the progress line, at most five times a second.
    func update(lines: Int, failures: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.2 else { return }
        lastDrawn = now
        Output.standardError("\r\u{1B}[K\(summary(lines: lines, failures: failures, now: now))")
    }

    /// Clears the progress line and prints the summary.
    func finish(lines: Int, failures: Int) {
        if enabled { Output.standardError("\r\u{1B}[K") }
        Output.standardError("annotate: \(summary(lines: lines, failures: failures, now: Date()))\n")
    }

    private func summary(lines: Int, failures: Int, now: Date) -> String {
        let seconds = max(now.timeIntervalSince(start), 1e-6)
        var text = "\(lines) \(lines == 1 ? "line" : "lines") in \(String(format: "%.2f", seconds)) s (\(String(format: "%.1f", Double(lines) / seconds)) lines/s)"
        if failures > 0 { text += ", \(failures) failed" }
        return text
    }
}
