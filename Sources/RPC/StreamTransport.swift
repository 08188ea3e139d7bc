import Glibc

import Dispatch
import Foundation
import Synchronization

/// Carries one connection over file descriptors: a blocking reader thread and an ordered,
/// non-blocking writer (so a slow reader on the other side never stalls request handling).
public final class StreamTransport: MessageSink {
    private let readDescriptor: Int32
    private let writeDescriptor: Int32
    private let closesDescriptors: Bool
    private let writeQueue: DispatchQueue
    private let status = Mutex(Status())
    /// Unsent bytes above which the peer is considered dead (it stopped reading).
    private let maxBacklogBytes: Int

    private struct Status {
        var broken = false
        var backlogBytes = 0
    }

    /// A transport over `readDescriptor`/`writeDescriptor` (the same socket twice, or stdin/stdout).
    /// - Parameter closesDescriptors: close them when the stream ends (sockets: yes; stdio: no).
    public init(readDescriptor: Int32, writeDescriptor: Int32, closesDescriptors: Bool,
                maxBacklogBytes: Int = 256 << 20) {
        self.readDescriptor = readDescriptor
        self.writeDescriptor = writeDescriptor
        self.closesDescriptors = closesDescriptors
        self.maxBacklogBytes = maxBacklogBytes
        self.writeQueue = DispatchQueue(label: "bertd.write.\(writeDescriptor)")
    }

    /// Queues bytes for the peer; false once the peer is gone or stopped reading.
    public func write(_ bytes: [UInt8]) -> Bool {
        let accepted = status.withLock { status -> Bool in
            if status.broken { return false }
            if status.backlogBytes + bytes.count > maxBacklogBytes {
                status.broken = true
                return false
            }
            status.backlogBytes += bytes.count
            return true
        }
        guard accepted else { return false }
        writeQueue.async { [self] in
            let ok = writeAll(bytes)
            status.withLock { status in
                status.backlogBytes -= bytes.count
                if !ok { status.broken = true }
            }
        }
        return true
    }

    /// Reads until end of stream, feeding `connection`; then closes it. Blocks the calling thread.
    ///
    /// At end of input the peer may only have closed its writing side (a pipe's end, `shutdown(SHUT_WR)`):
    /// the requests it sent are still answered. When it is gone altogether (a socket hung up), its
    /// requests are cancelled instead.
    public func serve(_ connection: RPCConnection) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { raw in
                read(readDescriptor, raw.baseAddress, raw.count)
            }
            if count > 0 {
                connection.receive(chunk[0..<count])
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                break
            }
            if status.withLock({ $0.broken }) { break }
        }
        if !peerHungUp() && !status.withLock({ $0.broken }) {
            let drained = DispatchSemaphore(value: 0)
            Task {
                await connection.drain()
                drained.signal()
            }
            drained.wait()
        }
        connection.close()
        // Let queued answers go out before the descriptor is closed.
        writeQueue.sync {}
        if closesDescriptors {
            Glibc.shutdown(readDescriptor, Int32(SHUT_RDWR))
            Glibc.close(readDescriptor)
            if writeDescriptor != readDescriptor { Glibc.close(writeDescriptor) }
        }
    }

    /// Whether the peer closed the connection entirely (not just its writing half).
    private func peerHungUp() -> Bool {
        var descriptor = pollfd(fd: writeDescriptor, events: Int16(POLLOUT), revents: 0)
        guard poll(&descriptor, 1, 0) >= 0 else { return true }
        return descriptor.revents & Int16(POLLHUP | POLLERR) != 0
    }

    /// Waits until everything queued so far has been written.
    public func flush() {
        writeQueue.sync {}
    }

    /// Stops reading: the blocked `read` returns and `serve` finishes.
    public func shutdownReading() {
        Glibc.shutdown(readDescriptor, Int32(SHUT_RD))
    }

    private func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return true }
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(writeDescriptor, base + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
    }
}
