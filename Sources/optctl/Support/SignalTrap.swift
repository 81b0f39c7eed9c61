import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a call of `handler` (the first time), so a run can end its
/// session cancelled and remove partial output instead of dying mid-write. A second signal
/// exits at once with 130, for a user who does not want to wait for the clean-up.
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable (_ name: String) -> Void) {
        let once = OnceFlag()
        sources = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if once.set() { handler(name) } else { exit(130) }
            }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}

/// True the first time only.
private final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    func set() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
