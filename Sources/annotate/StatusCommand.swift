import ArgumentParser
import Foundation
import JSON

/// `annotate status`: the daemon's uptime, load and latency.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the daemon's version, uptime, load, memory and per-method latency.",
        discussion: """
            Examples:
              annotate status
              annotate status --socket /tmp/bertd.sock --json
            """)

    @OptionGroup var options: InfoOptions

    func run() throws {
        try options.run("bertd/status") { result, style in
            var lines: [[String]] = []
            func add(_ name: String, _ value: String?) {
                if let value { lines.append([style.dim(name), value]) }
            }
            add("version", result["version"]?.stringValue)
            add("uptime", result["uptimeSeconds"]?.doubleValue.map { String(format: "%.1f s", $0) })
            add("requests", result["requestsServed"]?.intValue.map(String.init))
            add("connections", result["connections"]?.intValue.map(String.init))
            add("pending", result["pendingRequests"]?.intValue.map(String.init))
            add("memory", result["rssBytes"]?.intValue.map { String(format: "%.1f MiB", Double($0) / 1_048_576) })
            var text = TerminalWidth.table(lines)
            if let methods = result["methods"]?.objectValue, !methods.isEmpty {
                var rows = [["METHOD", "COUNT", "P50 MS", "P95 MS", "P99 MS"].map(style.dim)]
                for (name, latency) in methods {
                    rows.append([name, latency["count"]?.intValue.map(String.init) ?? "?"]
                        + ["p50Ms", "p95Ms", "p99Ms"].map { key in
                            latency[key]?.doubleValue.map { String(format: "%.2f", $0) } ?? "?"
                        })
                }
                text += "\n\n" + TerminalWidth.table(rows)
            }
            return text
        }
    }
}
