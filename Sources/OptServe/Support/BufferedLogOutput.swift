import Foundation
import ServiceLifecycle
import Synchronization

/// An output for swift-log's `StreamLogHandler` (same line format) that collects lines in
/// memory and writes them to a file descriptor in one `write` per batch: every `interval`,
/// whenever `capacity` bytes are waiting, and at shutdown. The access log writes a line per
/// request; writing each one by itself costs a system call per request.
///
/// No line is lost when the server stops: run as a service of the application (its first, so
/// that it stops after the HTTP server has answered its last request) it writes what is left
/// when it stops, and `flush()` can be called once more after the application returns. A
/// process killed outright loses at most the last `interval` of lines. Lines are written
/// whole and in order; relative to other writers of the same descriptor (the unbuffered
/// server log) they may appear up to `interval` later.
public final class BufferedLogOutput: Service, Sendable {
    /// What `StreamLogHandler` writes to.
    public struct Stream: TextOutputStream, Sendable {
        let output: BufferedLogOutput

        public mutating func write(_ string: String) {
            output.append(string)
        }
    }

    private let descriptor: Int32
    private let capacity: Int
    private let interval: Duration
    private let pending = Mutex<[UInt8]>([])
    /// Serialises writes to the descriptor, so batches stay in order.
    private let writing = Mutex<Void>(())

    public init(fileDescriptor: Int32 = STDERR_FILENO, capacity: Int = 64 * 1024, interval: Duration = .milliseconds(100)) {
        descriptor = fileDescriptor
        self.capacity = capacity
        self.interval = interval
    }

    public var stream: Stream { Stream(output: self) }

    func append(_ text: String) {
        let full = pending.withLock { bytes in
            bytes.append(contentsOf: text.utf8)
            return bytes.count >= capacity
        }
        if full { flush() }
    }

    /// Writes every line collected so far.
    public func flush() {
        writing.withLock { _ in
            let bytes = pending.withLock { bytes in
                let taken = bytes
                bytes = []
                return taken
            }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // nowhere to report a failing log; the server goes on
                }
                offset += written
            }
        }
    }

    /// Flushes every `interval` until the application shuts down, then once more.
    public func run() async throws {
        let interval = self.interval
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                self.flush()
            }
        }
        flush()
    }
}
