import Foundation
import JSON
import BERT
import Logging
import Service

/// Everything `bertd` serves with: built from defaults, then a `--config` file, then flags.
struct DaemonSettings: Equatable {
    var stdio = false
    var socket: String?
    var models: [ModelSpec] = []
    var threads: Int?
    var workers: Int?
    var precision = WeightPrecision.float32
    var tokenBudget = 4096
    var maxQueue = 256
    var logLevel = Logger.Level.info
    var maxMessageBytes = 16 << 20
    var maxBatchSize = 256
    var maxTexts = 1024
    var maxChars = 1_000_000
    var gracePeriod = 10.0

    /// The keys a config file may hold (the flags' names in camel case).
    static let keys: Set<String> = [
        "stdio", "socket", "models", "threads", "workers", "precision", "tokenBudget", "maxQueue", "logLevel", "maxMessageBytes",
        "maxBatchSize", "maxTexts", "maxChars", "gracePeriod",
    ]

    /// Applies a config file: `{"models": {"ner": "/path"}, "socket": "...", "threads": 2, ...}`.
    /// Relative model paths are resolved against the file's folder.
    mutating func apply(configFile path: String) throws {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SettingsError("cannot read \(path): \(error.localizedDescription)")
        }
        do {
            let reader = JSONReader(try JSON.parse(Array(data)), path: "config")
            try reader.rejectUnknownKeys(allowed: Self.keys)
            try apply(reader, base: url.deletingLastPathComponent())
        } catch let error as JSONParseError {
            throw SettingsError("\(path): \(error)")
        } catch let error as JSONDecodingError {
            throw SettingsError("\(path): \(error)")
        }
    }

    private mutating func apply(_ reader: JSONReader, base: URL) throws {
        stdio = try reader.optional("stdio", as: Bool.self) ?? stdio
        socket = try reader.optional("socket", as: String.self) ?? socket
        if let entries = try reader.member("models")?.members() {
            models = try entries.map { entry in
                let directory = try entry.reader.decode(String.self)
                let resolved = directory.hasPrefix("/") ? directory : base.appendingPathComponent(directory).path
                return ModelSpec(name: entry.key, directory: resolved)
            }
        }
        threads = try reader.optional("threads", as: Int.self, in: 1...1024) ?? threads
        workers = try reader.optional("workers", as: Int.self, in: 1...64) ?? workers
        if let name = try reader.optional("precision", as: String.self) {
            guard let parsed = WeightPrecision(rawValue: name) else {
                throw JSONDecodingError(path: "config.precision", message: "expected float32 or int8")
            }
            precision = parsed
        }
        tokenBudget = try reader.optional("tokenBudget", as: Int.self, in: 1...) ?? tokenBudget
        maxQueue = try reader.optional("maxQueue", as: Int.self, in: 1...) ?? maxQueue
        if let level = try reader.optional("logLevel", as: String.self) {
            guard let parsed = Logger.Level(rawValue: level) else {
                throw JSONDecodingError(path: "config.logLevel", message: "expected trace, debug, info, notice, warning, error or critical")
            }
            logLevel = parsed
        }
        maxMessageBytes = try reader.optional("maxMessageBytes", as: Int.self, in: 1...) ?? maxMessageBytes
        maxBatchSize = try reader.optional("maxBatchSize", as: Int.self, in: 1...) ?? maxBatchSize
        maxTexts = try reader.optional("maxTexts", as: Int.self, in: 1...) ?? maxTexts
        maxChars = try reader.optional("maxChars", as: Int.self, in: 1...) ?? maxChars
        gracePeriod = try reader.optional("gracePeriod", as: Double.self, in: 0...3600) ?? gracePeriod
    }
}

/// A problem with the daemon's settings, reported before anything starts.
struct SettingsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
