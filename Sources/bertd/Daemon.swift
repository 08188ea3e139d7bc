import Dispatch
import Foundation
import Glibc
import Logging
import RPC
import Service
import Synchronization

/// Wires transports to the service and runs the graceful shutdown.
final class Daemon: Sendable {
    let service: BertdService
    let logger: Logger
    let grace: Duration
    private let listener = Mutex<UnixSocketListener?>(nil)
    private let stdioTransport = Mutex<StreamTransport?>(nil)
    private let stopping = Atomic<Bool>(false)

    let exitGate: ExitGate

    init(service: BertdService, logger: Logger, grace: Duration, exitGate: ExitGate) {
        self.service = service
        self.logger = logger
        self.grace = grace
        self.exitGate = exitGate
    }

    /// Binds the socket and accepts clients on a background thread.
    func listen(on path: String) throws {
        let socketListener = try UnixSocketListener(path: path)
        listener.withLock { $0 = socketListener }
        let service = self.service
        let thread = Thread {
            socketListener.acceptLoop { transport in service.connect(sink: transport, peer: .socket) }
        }
        thread.start()
    }

    /// Serves the editor on stdin/stdout; at end of input, shuts down when `exitAtEnd`.
    func serveStdio(exitAtEnd: Bool) {
        let transport = StreamTransport(readDescriptor: 0, writeDescriptor: 1, closesDescriptors: false)
        stdioTransport.withLock { $0 = transport }
        exitGate.stdio.withLock { $0 = transport }
        let connection = service.connect(sink: transport, peer: .stdio)
        let thread = Thread { [self] in
            transport.serve(connection)
            if exitAtEnd { stop(reason: "end of input on stdin") }
        }
        thread.start()
    }

    /// SIGTERM and SIGINT start a graceful shutdown. Call once, from the main thread.
    func handleSignals() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                stop(reason: number == SIGTERM ? "SIGTERM" : "SIGINT")
            }
            source.resume()
            retainedSignalSources.append(source)
        }
    }

    /// Stops accepting, lets in-flight work finish within the grace period, removes the socket, exits 0.
    func stop(reason: String) {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        logger.info("shutting down (\(reason))")
        listener.withLock { $0?.stop() }
        Task { [self] in
            let finished = await service.shutdown(grace: grace)
            if !finished { logger.warning("grace period over; exiting with requests still running") }
            stdioTransport.withLock { $0 }?.flush()
            listener.withLock { $0 }?.disconnectClients()
            // Give socket writers a moment to put the last answers on the wire.
            try? await Task.sleep(for: .milliseconds(50))
            exit(0)
        }
    }
}

/// Signal sources live as long as the process; written once by `handleSignals` on the main thread.
nonisolated(unsafe) private var retainedSignalSources: [DispatchSourceSignal] = []

/// Ends the process for LSP `exit`, after the answers already queued for the editor are written.
final class ExitGate: Sendable {
    let stdio = Mutex<StreamTransport?>(nil)

    func exit(_ status: Int32) -> Never {
        stdio.withLock { $0 }?.flush()
        Glibc.exit(status)
    }
}
