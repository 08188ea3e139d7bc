import BERT
import Checkpoint
import Foundation
import JSON
import Logging
import RPC
import Synchronization
import Tasks
import Tokenizer

/// A model to load: a name clients use and a Hugging Face model directory.
public struct ModelSpec: Sendable, Equatable {
    /// The name requests use (`"model": "ner"`).
    public var name: String
    /// The directory holding config.json, vocab.txt and the weights.
    public var directory: String
    /// How the encoder weights are held (`--precision`; 8-bit only where the CPU has the kernels).
    public var precision: WeightPrecision = .float32

    /// A spec for `directory` served as `name`.
    public init(name: String, directory: String, precision: WeightPrecision = .float32) {
        self.name = name
        self.directory = directory
        self.precision = precision
    }

    /// Parses `NAME=DIR` (or just `DIR`, named after the folder).
    public init(argument: String) {
        if let equals = argument.firstIndex(of: "="), equals != argument.startIndex {
            name = String(argument[..<equals])
            directory = String(argument[argument.index(after: equals)...])
        } else {
            directory = argument
            name = URL(fileURLWithPath: argument).lastPathComponent
        }
    }
}

/// A loaded model: weights, tokenizer and its work queue.
public final class LoadedModel: Sendable {
    /// The name requests use.
    public let spec: ModelSpec
    /// The network.
    public let model: EncoderModel
    /// Its tokenizer.
    public let tokenizer: BertTokenizer
    /// Where its requests wait and get batched.
    public let queue: ModelQueue
    /// The licence paragraph of the NOTICE file next to the weights, if any.
    public let licence: String?
    /// Seconds spent loading.
    public let loadSeconds: Double
    /// Candidate sets for correction (`candidates.json` next to a correction model), if any.
    public let correctionCandidates: CorrectionCandidates?
    /// Words this model never flags and corrections it always makes (`corrections.json`), if any.
    public let correctionLists: CorrectionLists
    /// The corrector over this model (masked-LM heads only), built once: its candidate table is large.
    public let corrector: Corrector?

    init(spec: ModelSpec, tokenBudget: Int, maxQueuedJobs: Int, threads: Int, workers: Int) throws {
        let started = ContinuousClock.now
        self.spec = spec
        let directory = URL(fileURLWithPath: spec.directory)
        model = try EncoderModel.load(directory: spec.directory, precision: spec.precision)
        tokenizer = try BertTokenizer.load(directory: directory)
        queue = ModelQueue(model: model, name: spec.name, tokenBudget: tokenBudget, maxQueuedJobs: maxQueuedJobs,
                           threads: threads, workers: workers)
        correctionCandidates = try CorrectionCandidates.load(modelDirectory: directory)
        correctionLists = try CorrectionLists.load(modelDirectory: directory)
        corrector = TaskKind.correct.accepts(model.head)
            ? try Corrector(tokenizer: tokenizer, runner: queue, candidates: correctionCandidates) : nil
        licence = (try? String(contentsOf: directory.appendingPathComponent("NOTICE"), encoding: .utf8))
            .flatMap(Self.licenceParagraph)
        let elapsed = ContinuousClock.now - started
        loadSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// The paragraph of a NOTICE that states the licence (the first mentioning one), on one line.
    static func licenceParagraph(_ notice: String) -> String? {
        let paragraphs = notice.components(separatedBy: "\n\n").map {
            $0.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }.filter { !$0.isEmpty }
        return paragraphs.first { $0.lowercased().contains("licen") } ?? paragraphs.first
    }

    /// Which tasks this model's head can serve.
    public var tasks: [TaskKind] { TaskKind.allCases.filter { $0.accepts(model.head) } }
}

/// What a request asks a model to do; decides which heads fit and the default model.
public enum TaskKind: String, Sendable, CaseIterable {
    case tokenize, embed, label, answer, correct, fillMask, classify, nextSentence, segment

    /// The model name tried first when a request names none.
    var conventionalModelName: String? {
        switch self {
        case .label: "ner"
        case .answer: "qa"
        case .correct: "csc"
        case .segment: "cws"
        default: nil
        }
    }

    /// Whether a model with this head can serve the task.
    func accepts(_ head: HeadKind) -> Bool {
        switch self {
        case .tokenize, .embed: true
        case .label, .segment: head == .tokenClassification
        case .answer: head == .questionAnswering
        case .correct, .fillMask: head == .maskedLM || head == .preTraining
        case .classify: head == .sequenceClassification
        case .nextSentence: head == .nextSentencePrediction || head == .preTraining
        }
    }
}

/// The models the daemon serves, by name; shared by every client.
public final class ModelRegistry: Sendable {
    private let models = Mutex<[String: LoadedModel]>([:])
    private let order = Mutex<[String]>([])
    private let tokenBudget: Int
    private let maxQueuedJobs: Int
    private let threads: Int
    private let workers: Int

    /// Loads every spec (names must be unique); each model's forward passes run on `threads` threads, taken
    /// from its queue by `workers` workers.
    /// - Throws: `ModelLoadError` naming the model and what is wrong with it.
    public init(specs: [ModelSpec], tokenBudget: Int = 4096, maxQueuedJobs: Int = 256, threads: Int = 1,
                workers: Int = 1) throws {
        self.tokenBudget = tokenBudget
        self.maxQueuedJobs = maxQueuedJobs
        self.threads = threads
        self.workers = workers
        var seen = Set<String>()
        for spec in specs {
            guard seen.insert(spec.name).inserted else {
                throw ModelLoadError(name: spec.name, directory: spec.directory, reason: "the name is used twice")
            }
            let loaded = try Self.load(spec, tokenBudget: tokenBudget, maxQueuedJobs: maxQueuedJobs, threads: threads,
                                       workers: workers)
            models.withLock { $0[spec.name] = loaded }
            order.withLock { $0.append(spec.name) }
        }
    }

    /// Every loaded model, in load order.
    public var all: [LoadedModel] {
        let names = order.withLock { $0 }
        return models.withLock { models in names.compactMap { models[$0] } }
    }

    /// The model a request should use: the one it names, else the conventional one for the task, else
    /// the first loaded model that can serve the task.
    /// - Throws: `modelNotLoaded` (with the loaded names) when there is none, or the named one cannot serve.
    public func model(named name: String?, for task: TaskKind) throws(RPCError) -> LoadedModel {
        let candidates = all
        if let name {
            guard let model = candidates.first(where: { $0.spec.name == name }) else {
                throw .server(.modelNotLoaded, "no model named \"\(name)\" is loaded (loaded: \(Self.names(candidates)))")
            }
            guard task.accepts(model.model.head) else {
                throw .server(.modelNotLoaded,
                              "model \"\(name)\" has a \(model.model.head.rawValue) head, which cannot serve \(task.rawValue)")
            }
            return model
        }
        if let conventional = task.conventionalModelName,
           let model = candidates.first(where: { $0.spec.name == conventional && task.accepts($0.model.head) }) {
            return model
        }
        guard let model = candidates.first(where: { task.accepts($0.model.head) }) else {
            throw .server(.modelNotLoaded, "no loaded model can serve \(task.rawValue) (loaded: \(Self.names(candidates)))")
        }
        return model
    }

    /// Loads `name` again from its directory and swaps it in; requests already running finish on the old one.
    public func reload(_ name: String) throws -> LoadedModel {
        guard let old = models.withLock({ $0[name] }) else {
            throw RPCError.server(.modelNotLoaded, "no model named \"\(name)\" is loaded")
        }
        let fresh = try Self.load(old.spec, tokenBudget: tokenBudget, maxQueuedJobs: maxQueuedJobs, threads: threads,
                                  workers: workers)
        models.withLock { $0[name] = fresh }
        old.queue.stop()
        return fresh
    }

    /// Stops every model's worker once its queue is empty.
    public func stopAll() {
        for model in all { model.queue.stop() }
    }

    private static func load(_ spec: ModelSpec, tokenBudget: Int, maxQueuedJobs: Int, threads: Int, workers: Int) throws
        -> LoadedModel
    {
        do {
            return try LoadedModel(spec: spec, tokenBudget: tokenBudget, maxQueuedJobs: maxQueuedJobs, threads: threads,
                                   workers: workers)
        } catch {
            throw ModelLoadError(name: spec.name, directory: spec.directory, reason: String(describing: error))
        }
    }

    private static func names(_ models: [LoadedModel]) -> String {
        models.isEmpty ? "none" : models.map(\.spec.name).joined(separator: ", ")
    }
}

/// A model that could not be loaded.
public struct ModelLoadError: Error, CustomStringConvertible {
    public let name: String
    public let directory: String
    public let reason: String
    public var description: String { "cannot load model \"\(name)\" from \(directory): \(reason)" }
}

/// Per-model correction settings from `corrections.json` next to the weights:
/// `{"ignore": ["词", ...], "force": {"错词": "对词", ...}}`. Requests add to them (and win on conflicts).
public struct CorrectionLists: Sendable, Equatable {
    /// Words never flagged.
    public var ignore: [String] = []
    /// Corrections always made: wrong text -> right text.
    public var force: [String: String] = [:]

    /// The lists in `directory/corrections.json`, or empty ones when there is no such file.
    public static func load(modelDirectory directory: URL) throws -> CorrectionLists {
        let url = directory.appendingPathComponent("corrections.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return CorrectionLists() }
        let reader = JSONReader(try JSON.parse(Array(try Data(contentsOf: url))), path: "corrections.json")
        try reader.rejectUnknownKeys(allowed: ["ignore", "force"])
        return CorrectionLists(ignore: try reader.optional("ignore", as: [String].self) ?? [],
                               force: try reader.optional("force", as: [String: String].self) ?? [:])
    }
}
