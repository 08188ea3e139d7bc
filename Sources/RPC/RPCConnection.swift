import JSON
import Synchronization

/// Where a connection's outgoing bytes go (a socket, a pipe, or a test buffer).
public protocol MessageSink: Sendable {
    /// Queues `bytes` for the peer, in order; returns false when the peer is gone.
    func write(_ bytes: [UInt8]) -> Bool
}

/// The JSON-RPC state of one client connection, independent of the transport.
///
/// The transport calls `receive` with bytes as they arrive (from one reader at a time) and `close`
/// at end of stream. Each request runs as its own task; responses are written in completion order.
/// `$/cancelRequest` is handled at once, on the reader, so it overtakes queued work.
public final class RPCConnection: Sendable {
    /// This connection's id, unique in the process.
    public let id: ConnectionID
    private let server: RPCServer
    private let sink: any MessageSink
    private let reader: Mutex<FrameDecoder>
    private let state = Mutex(State())

    private struct State {
        var framing: Framing?
        var inFlight: [JSON: [Int: Task<Void, Never>]] = [:]
        var lastOrdered: Task<Void, Never>?
        var nextTaskNumber = 0
        var closed = false
    }

    init(id: ConnectionID, server: RPCServer, sink: any MessageSink, framing: Framing?) {
        self.id = id
        self.server = server
        self.sink = sink
        self.reader = Mutex(FrameDecoder(framing: framing, maxMessageBytes: server.limits.maxMessageBytes))
        state.withLock { $0.framing = framing }
    }

    /// Feeds bytes read from the peer; dispatches every complete message.
    public func receive(_ bytes: some Collection<UInt8>) {
        let events: [FrameEvent] = reader.withLock { decoder in
            decoder.append(bytes)
            var events: [FrameEvent] = []
            while let event = decoder.next() { events.append(event) }
            if let framing = decoder.framing { state.withLock { $0.framing = $0.framing ?? framing } }
            return events
        }
        for event in events {
            switch event {
            case .message(let body): dispatch(body)
            case .malformed(let reason):
                server.log(.warning, "connection \(id): malformed frame: \(reason)")
                send(Outgoing.error(id: .null, .parseError(reason)))
            }
        }
    }

    /// The peer is gone: cancel everything it asked for.
    public func close() {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.closed = true
            return state.inFlight.values.flatMap { $0.values }
        }
        for task in tasks { task.cancel() }
        server.connectionClosed(id)
    }

    /// Waits until every request received so far has been answered (or cancelled).
    public func drain() async {
        while true {
            let tasks = state.withLock { $0.inFlight.values.flatMap { $0.values } }
            if tasks.isEmpty { return }
            for task in tasks { await task.value }
        }
    }

    /// Number of requests received and not yet answered.
    public var pendingRequestCount: Int { state.withLock { $0.inFlight.values.reduce(0) { $0 + $1.count } } }

    /// Sends a server-initiated notification; false when the connection is closed.
    @discardableResult
    public func notify(method: String, params: JSON) -> Bool {
        send(Outgoing.notification(method: method, params: params))
    }

    // MARK: - Dispatch

    private func dispatch(_ body: [UInt8]) {
        switch IncomingMessage.decode(body, maxBatchSize: server.limits.maxBatchSize) {
        case .unusable(let error):
            send(Outgoing.error(id: .null, error))
        case .single(let entry):
            guard let work = prepare(entry) else { return }
            launch(work) { [weak self] answer in
                if let answer { self?.send(answer) }
            }
        case .batch(let entries):
            let works = entries.map { prepare($0) }
            let collector = BatchCollector(count: works.count) { [weak self] answers in
                if !answers.isEmpty { self?.send(.array(answers)) }
            }
            for (index, work) in works.enumerated() {
                guard let work else {
                    collector.deliver(nil, at: index)
                    continue
                }
                launch(work) { answer in collector.deliver(answer, at: index) }
            }
        }
    }

    /// What to run for one entry; nil when nothing is to be run or answered.
    private enum Work {
        case immediate(JSON?)
        case handler(Request, MethodEntry)
    }

    private func prepare(_ entry: IncomingEntry) -> Work? {
        switch entry {
        case .response:
            return nil
        case .invalid(let id, let error):
            return .immediate(Outgoing.error(id: id, error))
        case .request(let request):
            if request.method == "$/cancelRequest" {
                cancel(request.params?["id"])
                return request.isNotification ? nil : .immediate(Outgoing.result(id: request.id ?? .null, .null))
            }
            guard let entry = server.table.entry(for: request.method) else {
                // Unknown notifications (`$/` ones in particular) are ignored, as LSP asks.
                guard let id = request.id else { return nil }
                return .immediate(Outgoing.error(id: id, .methodNotFound(request.method)))
            }
            if let refusal = server.admissionError(for: request.method), let id = request.id {
                return .immediate(Outgoing.error(id: id, refusal))
            }
            return .handler(request, entry)
        }
    }

    private func launch(_ work: Work, answer: @escaping @Sendable (JSON?) -> Void) {
        switch work {
        case .immediate(let response):
            answer(response)
        case .handler(let request, let entry):
            run(request, entry, answer: answer)
        }
    }

    private func run(_ request: Request, _ entry: MethodEntry, answer: @escaping @Sendable (JSON?) -> Void) {
        let context = RequestContext(connection: id, requestID: request.id) { [weak self] method, params in
            self?.notify(method: method, params: params) ?? false
        }
        let server = self.server
        let key = request.id ?? .null
        state.withLock { state in
            let number = state.nextTaskNumber
            state.nextTaskNumber += 1
            let previous = state.lastOrdered
            let task = Task { [weak self] in
                await previous?.value
                let response = await Self.answer(request, entry, context, server)
                answer(request.id == nil ? Optional<JSON>.none : response)
                self?.finished(key, number)
            }
            state.inFlight[key, default: [:]][number] = task
            if entry.ordered { state.lastOrdered = task }
        }
    }

    private static func answer(_ request: Request, _ entry: MethodEntry, _ context: RequestContext,
                               _ server: RPCServer) async -> JSON {
        let id = request.id ?? .null
        if Task.isCancelled { return Outgoing.error(id: id, .requestCancelled) }
        let started = ContinuousClock.now
        let response: JSON
        do {
            let result = try await entry.handler(request.params, context)
            response = Task.isCancelled ? Outgoing.error(id: id, .requestCancelled) : Outgoing.result(id: id, result)
        } catch let error as RPCError {
            response = Outgoing.error(id: id, error)
        } catch let error as JSONDecodingError {
            response = Outgoing.error(id: id, .invalidParams(error))
        } catch is CancellationError {
            response = Outgoing.error(id: id, .requestCancelled)
        } catch {
            server.log(.error, "\(request.method) failed: \(error)")
            response = Outgoing.error(id: id, .internalError(String(describing: error)))
        }
        server.record(method: request.method, duration: ContinuousClock.now - started)
        return response
    }

    private func finished(_ key: JSON, _ number: Int) {
        state.withLock { state in
            state.inFlight[key]?[number] = nil
            if state.inFlight[key]?.isEmpty == true { state.inFlight[key] = nil }
        }
    }

    private func cancel(_ id: JSON?) {
        guard let id else { return }
        let tasks = state.withLock { Array(($0.inFlight[id] ?? [:]).values) }
        for task in tasks { task.cancel() }
    }

    // MARK: - Output

    @discardableResult
    private func send(_ message: JSON) -> Bool {
        let framing = state.withLock { state -> Framing? in state.closed ? nil : (state.framing ?? .newlineDelimited) }
        guard let framing else { return false }
        return sink.write(framing.frame(message.serialized()))
    }
}

/// Gathers the answers of one batch and sends them together once all are in.
private final class BatchCollector: Sendable {
    private let slots: Mutex<(answers: [JSON?], remaining: Int)>
    private let completion: @Sendable ([JSON]) -> Void

    init(count: Int, completion: @escaping @Sendable ([JSON]) -> Void) {
        slots = Mutex((Array(repeating: nil, count: count), count))
        self.completion = completion
    }

    func deliver(_ answer: JSON?, at index: Int) {
        let done: [JSON]? = slots.withLock { slots in
            slots.answers[index] = answer
            slots.remaining -= 1
            return slots.remaining == 0 ? slots.answers.compactMap { $0 } : nil
        }
        if let done { completion(done) }
    }
}
