import ArgumentParser
import BERT
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

    @Option(help: ArgumentHelp(
        "A JSON config file: {\"models\": {\"ner\": \"DIR\"}, \"socket\": ..., \"threads\": ..., ...}.",
        discussion: "Keys are the options below in camel case; options given on the command line win."))
    var config: String?

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

    @Option(help: ArgumentHelp(
        "Encoder weights: float32 (default; transformers' numbers) or int8.",
        discussion: "int8 quantizes the encoder layers' weights and, per token, their inputs (dynamic quantization on AVX-512 VNNI): about 3x faster and a quarter of the memory at a small accuracy cost (see Benchmarks/README.md). CPUs without VNNI keep float32."))
    var precision: WeightPrecision?

    @Option(help: "Workers per model running batches side by side (default: one per thread; a lone request still uses every thread).")
    var workers: Int?

    @Option(help: "Most tokens merged into one forward pass when requests wait together (default 4096).")
    var tokenBudget: Int?

    @Option(help: "Most requests waiting per model before new ones are refused as overloaded (default 256).")
    var maxQueue: Int?

    @Option(help: "Log level on stderr: trace, debug, info (default), notice, warning, error, critical.")
    var logLevel: String?

    @Option(help: "Largest accepted message, in bytes (default 16 MiB).")
    var maxMessageBytes: Int?

    @Option(help: "Most requests in one JSON-RPC batch (default 256).")
    var maxBatchSize: Int?

    @Option(help: "Most texts in one request (default 1024).")
    var maxTexts: Int?

    @Option(help: "Most characters in one text (default 1,000,000).")
    var maxChars: Int?

    @Option(help: "Seconds to let in-flight requests finish on SIGTERM/SIGINT before exiting (default 10).")
    var gracePeriod: Double?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        let positives = [maxMessageBytes, maxBatchSize, maxTexts, maxChars, tokenBudget, maxQueue, threads, workers]
        guard positives.allSatisfy({ ($0 ?? 1) > 0 }), (gracePeriod ?? 0) >= 0 else {
            throw ValidationError("limits must be positive")
        }
    }

    /// Defaults, then the config file, then the flags.
    func settings() throws -> DaemonSettings {
        var settings = DaemonSettings()
        if let config { try settings.apply(configFile: config) }
        if stdio { settings.stdio = true }
        if let socket { settings.socket = socket }
        if !models.isEmpty { settings.models = models.map(ModelSpec.init(argument:)) }
        if let threads { settings.threads = threads }
        if let workers { settings.workers = workers }
        if let precision { settings.precision = precision }
        if let tokenBudget { settings.tokenBudget = tokenBudget }
        if let maxQueue { settings.maxQueue = maxQueue }
        if let logLevel, let level = Logger.Level(rawValue: logLevel) { settings.logLevel = level }
        if let maxMessageBytes { settings.maxMessageBytes = maxMessageBytes }
        if let maxBatchSize { settings.maxBatchSize = maxBatchSize }
        if let maxTexts { settings.maxTexts = maxTexts }
        if let maxChars { settings.maxChars = maxChars }
        if let gracePeriod { settings.gracePeriod = gracePeriod }
        return settings
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let settings: DaemonSettings
        do {
            settings = try self.settings()
        } catch {
            FileHandle.standardError.write(Data("bertd: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "bertd")
        let configuration = ServiceConfiguration(
            rpcLimits: RPCLimits(maxMessageBytes: settings.maxMessageBytes, maxBatchSize: settings.maxBatchSize),
            maxTextsPerRequest: settings.maxTexts, maxCharactersPerText: settings.maxChars)
        let threads = settings.threads ?? ProcessInfo.processInfo.activeProcessorCount
        // The packed kernels thread themselves; BLAS then only serves the odd shapes, single-threaded.
        setBLASThreads(LinearWeight.packedKernelsAvailable ? 1 : threads)
        let registry: ModelRegistry
        do {
            registry = try ModelRegistry(specs: modelSpecs(settings, logger), tokenBudget: settings.tokenBudget,
                                         maxQueuedJobs: settings.maxQueue, threads: threads, workers: settings.workers ?? threads)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(2)
        }
        for model in registry.all {
            logger.info("model \(model.spec.name): \(model.model.head.rawValue) (\(model.model.precision.rawValue)) from \(model.spec.directory) in \(Int(model.loadSeconds * 1000)) ms")
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
        let daemon = Daemon(service: service, logger: logger, grace: .milliseconds(Int(settings.gracePeriod * 1000)),
                            exitGate: exitGate)

        let socketPath = settings.socket ?? (settings.stdio ? nil : UnixSocketListener.defaultPath())
        if let socketPath {
            do {
                try daemon.listen(on: socketPath)
            } catch {
                logger.critical("\(error)")
                throw ExitCode(2)
            }
            logger.info("listening on \(socketPath)")
        }
        if settings.stdio { daemon.serveStdio(exitAtEnd: socketPath == nil) }
        daemon.handleSignals()
        dispatchMain()
    }
}

extension Serve {
    /// The models named with --model (or in the config file), else the shipped defaults.
    func modelSpecs(_ settings: DaemonSettings, _ logger: Logger) -> [ModelSpec] {
        var specs = settings.models
        if specs.isEmpty {
            guard let directory = ShippedModels.directory() else {
                logger.warning("no --model given and no shipped models found (set BERTD_MODELS); serving without models")
                return []
            }
            specs = ShippedModels.specs(in: directory)
        }
        return specs.map { spec in
            var spec = spec
            spec.precision = settings.precision
            return spec
        }
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
