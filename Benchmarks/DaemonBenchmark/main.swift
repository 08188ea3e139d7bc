// Daemon benchmark (issue 5): what the RPC layer costs over calling the engine in process, and what
// dynamic batching buys when many clients send single sentences at once. A benchmark, not a test:
// run it with a release build (Benchmarks/daemon.sh) and read the ratios, measured in one run.
import BERT
import Dispatch
import Foundation
import Glibc
import JSON
import RPC
import Tasks
import Tensor
import Tokenizer

struct Options {
    var model = "Models/ner"
    var bertd: String?
    var threads = 2
    var seconds = 8.0
    var clients = 16
    var repeats = 40
    var workers = 2

    init(arguments: [String]) {
        var index = 1
        func value() -> String {
            index += 1
            guard index < arguments.count else { fatalError("missing value for \(arguments[index - 1])") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--model": model = value()
            case "--bertd": bertd = value()
            case "--threads": threads = Int(value()) ?? threads
            case "--seconds": seconds = Double(value()) ?? seconds
            case "--clients": clients = Int(value()) ?? clients
            case "--repeats": repeats = Int(value()) ?? repeats
            case "--workers": workers = Int(value()) ?? workers
            case "-h", "--help":
                print("usage: DaemonBenchmark [--model DIR] [--bertd PATH] [--threads N] [--workers N] [--seconds S] [--clients N] [--repeats N]")
                exit(0)
            default: fatalError("unknown argument \(arguments[index])")
            }
            index += 1
        }
    }
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))]
}

/// CPU seconds (user + system) a process has used, from /proc.
func cpuSeconds(of pid: pid_t) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")")
    else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Blocks on an async call from synchronous benchmark code.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            box.result = .success(try await body())
        } catch {
            box.result = .failure(error)
        }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}

let options = Options(arguments: CommandLine.arguments)
let productDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
let bertdPath = options.bertd ?? productDirectory.appendingPathComponent("bertd").path
// ~128 tokens of Chinese text (each character is a token) and a short single sentence.
let longText = String(String(repeating: "北京大学的张教授今天在上海参加了一个关于人工智能的国际会议并发表演讲。", count: 4).prefix(126))
let shortText = "李明昨天去杭州西湖看了看风景。"

setBLASThreads(LinearWeight.packedKernelsAvailable ? 1 : options.threads)
print("model \(options.model); \(options.threads) thread(s); \(blasDescription)")

// MARK: - In process

let model = try EncoderModel.load(directory: options.model)
let tokenizer = try BertTokenizer.load(directory: URL(fileURLWithPath: options.model))
let labeler = try TokenLabeler(tokenizer: tokenizer, runner: DirectRunner(model: model, threads: options.threads))
let tokens = tokenizer.encode(longText).count
for _ in 0..<3 { _ = try blocking { try await labeler.label([longText]) } }
var inProcess: [Double] = []
for _ in 0..<options.repeats {
    let start = now()
    _ = try blocking { try await labeler.label([longText]) }
    inProcess.append(now() - start)
}

// MARK: - Through the daemon

let socketDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("bertd-bench-\(getpid())")
let socketPath = socketDirectory.appendingPathComponent("bertd.sock").path
let daemon = Process()
daemon.executableURL = URL(fileURLWithPath: bertdPath)
daemon.arguments = ["--socket", socketPath, "--model", "m=\(options.model)", "--threads", "\(options.threads)",
                    "--workers", "\(options.workers)", "--log-level", "warning"]
try daemon.run()
defer {
    daemon.terminate()
    daemon.waitUntilExit()
    try? FileManager.default.removeItem(at: socketDirectory)
}
/// Waits (at most 60 s) for a daemon started by this benchmark to listen, failing clearly if it exited.
func awaitListening(_ server: Process, _ path: String) {
    let deadline = now() + 60
    while !RPCClient.isListening(socketPath: path) {
        guard server.isRunning, now() < deadline else {
            fatalError("bertd (\(bertdPath)) did not start listening on \(path); is it built with the same options?")
        }
        usleep(10_000)
    }
}
awaitListening(daemon, socketPath)

let client = try RPCClient.connect(socketPath: socketPath)
let labelParams: (String) -> JSON = { ["text": .string($0), "model": "m"] }
for _ in 0..<3 { _ = try client.call("annotate/label", labelParams(longText)) }
var throughDaemon: [Double] = []
for _ in 0..<options.repeats {
    let start = now()
    _ = try client.call("annotate/label", labelParams(longText))
    throughDaemon.append(now() - start)
}
let inProcessMedian = percentile(inProcess, 0.5), daemonMedian = percentile(throughDaemon, 0.5)
print(String(format: "label, %d tokens: in process %.2f ms, through the socket %.2f ms (median of %d) -> %.3fx (%+.1f%%)",
             tokens, inProcessMedian * 1000, daemonMedian * 1000, options.repeats, daemonMedian / inProcessMedian,
             (daemonMedian / inProcessMedian - 1) * 100))

// MARK: - Throughput: one client vs many

/// Requests per second, latencies and daemon CPU use with `count` clients sending `shortText` in a loop.
func load(clients count: Int) throws -> (rate: Double, latencies: [Double], cpu: Double) {
    let latencies = LatencyLog()
    let cpuBefore = cpuSeconds(of: daemon.processIdentifier)
    let start = now()
    let deadline = start + options.seconds
    let group = DispatchGroup()
    for _ in 0..<count {
        group.enter()
        Thread {
            defer { group.leave() }
            guard let connection = try? RPCClient.connect(socketPath: socketPath) else { return }
            while now() < deadline {
                let sent = now()
                guard (try? connection.call("annotate/label", labelParams(shortText))) != nil else { return }
                latencies.add(now() - sent)
            }
        }.start()
    }
    group.wait()
    let elapsed = now() - start
    let cpu = (cpuSeconds(of: daemon.processIdentifier) - cpuBefore) / elapsed
    let all = latencies.values
    return (Double(all.count) / elapsed, all, cpu)
}

final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [Double] = []
    func add(_ value: Double) { lock.lock(); samples.append(value); lock.unlock() }
    var values: [Double] { lock.lock(); defer { lock.unlock() }; return samples }
}

let sequential = try load(clients: 1)
let concurrent = try load(clients: options.clients)
for (name, run) in [("1 client", sequential), ("\(options.clients) clients", concurrent)] {
    print(String(format: "%@: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, daemon CPU %.0f%%", name, run.rate,
                 percentile(run.latencies, 0.5) * 1000, percentile(run.latencies, 0.99) * 1000, run.cpu * 100))
}
print(String(format: "throughput %d clients / 1 client: %.2fx", options.clients, concurrent.rate / sequential.rate))

// MARK: - Tasks on the shipped models (issue 6)

/// p50 latency per method for a 50-character sentence and a 2,000-character document through the daemon,
/// and what the document costs against the sum of its windows' forward passes in process.
func benchmarkTasks(modelsDirectory: String) throws {
    let sentence = String("张三昨天在北京大学参加了一个人工智能会议，他说今天的天汽很好，大家都很高心。我们明天去上海。".prefix(50))
    var document = ""
    let sentences = ["北京大学的李教授在上海主持了一场关于机器翻译的研讨会。", "来自杭州的王经理介绍了公司在深圳的新项目。",
                     "会议结束后，大家一起去外滩散步，天汽非常好。", "第二天他们参观了复旦大学和同济大学的实验室。"]
    while document.count < 2000 { document += sentences[document.count % sentences.count] }
    document = String(document.prefix(2000))
    let fixedDocument = document
    let socket = FileManager.default.temporaryDirectory.appendingPathComponent("bertd-tasks-\(getpid()).sock").path
    let server = Process()
    server.executableURL = URL(fileURLWithPath: bertdPath)
    server.arguments = ["--socket", socket, "--threads", "\(options.threads)", "--log-level", "warning"]
    server.environment = ProcessInfo.processInfo.environment.merging(["BERTD_MODELS": modelsDirectory]) { $1 }
    try server.run()
    defer {
        server.terminate()
        server.waitUntilExit()
    }
    awaitListening(server, socket)
    let connection = try RPCClient.connect(socketPath: socket)
    let requests: [(String, String, (String) -> JSON)] = [
        ("csc", "annotate/correct", { ["text": .string($0)] }),
        ("ner", "annotate/label", { ["text": .string($0)] }),
        ("cws", "annotate/segment", { ["text": .string($0)] }),
        ("qa", "annotate/answer", { ["question": "会议在哪里举行？", "context": .string($0)] }),
    ]
    print("method               50 chars p50   2000 chars p50")
    for (model, method, params) in requests {
        guard FileManager.default.fileExists(atPath: "\(modelsDirectory)/\(model)/config.json") else {
            print("\(method): no \(model) model in \(modelsDirectory); skipped")
            continue
        }
        var medians: [Double] = []
        for text in [sentence, document] {
            _ = try connection.call(method, params(text))
            var times: [Double] = []
            for _ in 0..<max(5, options.repeats / 4) {
                let start = now()
                _ = try connection.call(method, params(text))
                times.append(now() - start)
            }
            medians.append(percentile(times, 0.5))
        }
        print(String(format: "%-20@ %8.2f ms %14.2f ms", method as NSString, medians[0] * 1000, medians[1] * 1000))
    }

    // The document through the labeler vs its windows run one by one, in process.
    let directory = modelsDirectory + "/ner"
    let ner = try EncoderModel.load(directory: directory)
    let nerTokenizer = try BertTokenizer.load(directory: URL(fileURLWithPath: directory))
    let runner = DirectRunner(model: ner, threads: options.threads)
    let nerLabeler = try TokenLabeler(tokenizer: nerTokenizer, runner: runner)
    let pieces = nerTokenizer.encode(document, addSpecialTokens: false)
    let capacity = min(ner.config.maxPositionEmbeddings, 512) - 2
    let windows = try TokenWindows.strided(count: pieces.count, capacity: capacity, stride: capacity / 4)
    let inputs = windows.ranges.map { range in
        EncoderInput(ids: [Int(nerTokenizer.classifierId)] + pieces.ids[range].map(Int.init) + [Int(nerTokenizer.separatorId)])
    }
    var whole: [Double] = [], parts: [Double] = []
    for _ in 0..<max(5, options.repeats / 4) {
        var start = now()
        _ = try blocking { try await nerLabeler.label([fixedDocument]) }
        whole.append(now() - start)
        start = now()
        for input in inputs { _ = try blocking { try await runner.run(EncoderBatch([input]), maskedLMPositions: nil) } }
        parts.append(now() - start)
    }
    print(String(format: "2000-char document: labeled in %.2f ms; its %d windows' forward passes sum to %.2f ms -> %.2fx",
                 percentile(whole, 0.5) * 1000, inputs.count, percentile(parts, 0.5) * 1000,
                 percentile(whole, 0.5) / percentile(parts, 0.5)))
}

if let modelsDirectory = ProcessInfo.processInfo.environment["BERTD_BENCH_TASKS"] {
    try benchmarkTasks(modelsDirectory: modelsDirectory)
}
