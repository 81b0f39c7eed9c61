#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Names the running case on stderr if the process dies in it. All ~2,900 cases run in one
/// test, so a kernel that traps (an index out of range, a failed precondition) would otherwise
/// end the run with a backtrace and no word of which model caused it.
///
/// The handler writes a preformatted line (async-signal-safe: `write` of a fixed buffer), puts
/// back the handler that was there before (the Swift runtime's backtracer) and returns; the
/// previous handler then reports the crash as usual.
enum CrashNote {
    private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]
    private static let capacity = 1024
    nonisolated(unsafe) private static let message = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var messageLength = 0
    nonisolated(unsafe) private static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 6)
    nonisolated(unsafe) private static var installed = false

    /// Installs the handlers; `note` is what the line will say until the next `set`.
    static func install() {
        guard !installed else { return }
        installed = true
        set("")
        for (index, signal) in signals.enumerated() {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = handle
            #else
            action.__sigaction_u.__sa_handler = handle
            #endif
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, previous + index)
        }
    }

    /// Restores the handlers that were there before `install`.
    static func uninstall() {
        guard installed else { return }
        installed = false
        for (index, signal) in signals.enumerated() { sigaction(signal, previous + index, nil) }
    }

    /// Sets the line printed on a crash, e.g. the case about to run.
    static func set(_ note: String) {
        let line = Array("\nconformance: the process crashed while running \(note)\n".utf8.prefix(capacity))
        line.withUnsafeBufferPointer { bytes in
            bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                message.update(from: $0, count: bytes.count)
            }
        }
        messageLength = line.count
    }

    private static let handle: @convention(c) (Int32) -> Void = { signal in
        _ = write(2, CrashNote.message, CrashNote.messageLength)
        for (index, candidate) in CrashNote.signals.enumerated() where candidate == signal {
            sigaction(signal, CrashNote.previous + index, nil)
        }
        // abort() would reset SIGABRT to the default action if this handler returned, and the
        // backtracer would never run; raising it again delivers it to the restored handler as
        // soon as this one returns. Faults (SIGILL, SIGSEGV, …) need nothing: the faulting
        // instruction runs again.
        if signal == SIGABRT { raise(signal) }
    }
}
