import ArgumentParser
import Dispatch
import Foundation
import Glibc
import LanguageServer
import Logging
import RPC
import Service
import Synchronization
import Tensor
import Tokenizer

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve JSON-RPC on stdio and/or a Unix socket (the default subcommand).")

    @Flag(help: "Serve one client (an editor) on stdin/stdout; stdout then carries the protocol only.")
    var stdio = false

    @Option(help: ArgumentHelp(
        "Serve clients on this Unix socket (created 0600 in a 0700 directory).",
        discussion: "Without --stdio or --socket, bertd listens on the default socket path."))
    var socket: String?

    @Option(name: .customLong("model"), help: ArgumentHelp(
        "A model to serve, as NAME=DIR (a Hugging Face BERT/ELECTRA directory); repeat for several.",
        discussion: "Without --model, bertd serves the default models shipped in Models/ (csc, ner, qa, cws).",
        valueName: "NAME=DIR"))
    var models: [String] = []

    @Option(help: "Threads for each matrix product (default: all cores).")
    var threads: Int?

    @Option(help: "Most tokens merged into one forward pass when requests wait together.")
    var tokenBudget: Int = 4096

    @Option(help: "Most requests waiting per model before new ones are refused as overloaded.")
    var maxQueue: Int = 256

    @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Largest accepted message, in bytes.")
    var maxMessageBytes: Int = 16 << 20

    @Option(help: "Most requests in one JSON-RPC batch.")
    var maxBatchSize: Int = 256

    @Option(help: "Most texts in one request.")
    var maxTexts: Int = 1024

    @Option(help: "Most characters in one text.")
    var maxChars: Int = 1_000_000

    @Option(help: "Seconds to let in-flight requests finish on SIGTERM/SIGINT before exiting.")
    var gracePeriod: Double = 10

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard maxMessageBytes > 0, maxBatchSize > 0, maxTexts > 0, maxChars > 0, gracePeriod >= 0,
              tokenBudget > 0, maxQueue > 0, (threads ?? 1) > 0
        else {
            throw ValidationError("limits must be positive")
        }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "bertd")
        let configuration = ServiceConfiguration(
            rpcLimits: RPCLimits(maxMessageBytes: maxMessageBytes, maxBatchSize: maxBatchSize),
            maxTextsPerRequest: maxTexts, maxCharactersPerText: maxChars)
        if let threads { setBLASThreads(threads) }
        let registry: ModelRegistry
        do {
            registry = try ModelRegistry(specs: try modelSpecs(logger), tokenBudget: tokenBudget, maxQueuedJobs: maxQueue)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(2)
        }
        for model in registry.all {
            logger.info("model \(model.spec.name): \(model.model.head.rawValue) from \(model.spec.directory) in \(Int(model.loadSeconds * 1000)) ms")
        }
        let exitGate = ExitGate()
        let checker = ModelSpellChecker()
        let sessions = EncodingLookup()
        let languageServer = LanguageServer(checker: checker, logger: logger) { sessions.encoding(of: $0) }
        let service = BertdService(configuration: configuration, registry: registry, logger: logger,
                                   extensions: languageServer.serviceExtensions) { status in
            exitGate.exit(status)
        }
        checker.attach(service)
        sessions.attach(service)
        let daemon = Daemon(service: service, logger: logger, grace: .milliseconds(Int(gracePeriod * 1000)),
                            exitGate: exitGate)

        let socketPath = socket ?? (stdio ? nil : UnixSocketListener.defaultPath())
        if let socketPath {
            do {
                try daemon.listen(on: socketPath)
            } catch {
                logger.critical("\(error)")
                throw ExitCode(2)
            }
            logger.info("listening on \(socketPath)")
        }
        if stdio { daemon.serveStdio(exitAtEnd: socketPath == nil) }
        daemon.handleSignals()
        dispatchMain()
    }
}

extension Serve {
    /// The models named with --model, else the shipped defaults.
    func modelSpecs(_ logger: Logger) throws -> [ModelSpec] {
        if !models.isEmpty { return models.map(ModelSpec.init(argument:)) }
        guard let directory = ShippedModels.directory() else {
            logger.warning("no --model given and no shipped models found (set BERTD_MODELS); serving without models")
            return []
        }
        return ShippedModels.specs(in: directory)
    }
}

/// Position encodings of connections, looked up in the service once it exists.
final class EncodingLookup: Sendable {
    private let service = Mutex<BertdService?>(nil)

    func attach(_ service: BertdService) {
        self.service.withLock { $0 = service }
    }

    func encoding(of connection: ConnectionID) -> OffsetEncoding {
        service.withLock { $0 }?.positionEncoding(for: connection).offsetEncoding ?? .utf16
    }
}
