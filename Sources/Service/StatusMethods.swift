import Foundation
import JSON
import RPC

extension BertdService {
    /// `bertd/status`.
    static let statusMethods: [ServiceMethod] = [
        ServiceMethod(name: "bertd/status") { service, _, _ in service.status() }
    ]

    func status() -> JSON {
        let report = server.latencyReport()
        var methods = JSONObject()
        for name in report.keys.sorted() {
            guard let summary = report[name] else { continue }
            methods[name] = [
                "count": .integer(Int64(summary.count)),
                "p50Ms": .double(summary.p50), "p95Ms": .double(summary.p95), "p99Ms": .double(summary.p99),
            ]
        }
        return .object([
            "version": .string(configuration.version),
            "uptimeSeconds": .double(uptimeSeconds),
            "requestsServed": .integer(Int64(report.values.reduce(0) { $0 + $1.count })),
            "connections": .integer(Int64(server.connectionCount)),
            "pendingRequests": .integer(Int64(server.pendingRequestCount)),
            "queueDepth": .integer(Int64(registry.all.reduce(0) { $0 + $1.queue.queueDepth })),
            "models": .object(JSONObject(registry.all.map { model in
                (model.spec.name, ["queueDepth": .integer(Int64(model.queue.queueDepth)),
                                   "batchesRun": .integer(Int64(model.queue.batchesRun))])
            })),
            "rssBytes": .integer(Int64(ProcessMemory.residentBytes() ?? 0)),
            "methods": .object(methods),
        ])
    }
}

/// Reads the process's resident memory from /proc.
enum ProcessMemory {
    /// Resident set size in bytes, or nil where /proc is unavailable.
    static func residentBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
