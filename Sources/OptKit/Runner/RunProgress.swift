import Foundation

/// Maps each step's own progress (0...1) onto the session's overall percentage, estimates
/// completion from the pace so far, and records it. Within one step at most one write per
/// quarter second reaches the store; a new step is always written. The percentage never goes
/// backwards, even when a fallback attempt repeats earlier steps.
actor RunProgress {
    private let recorder: SessionRecorder
    private let cancellation: RunCancellation
    private let started = Date()
    private var percentage = 0.0
    private var step = ""
    private var lastWrite = Date.distantPast

    init(recorder: SessionRecorder, cancellation: RunCancellation) {
        self.recorder = recorder
        self.cancellation = cancellation
    }

    /// `fraction` of the step `name`, which spans `span` of the whole run (in percent).
    /// Throws `RunCancelled` once the run has been cancelled, so every progress report is also
    /// a cancellation point.
    func update(_ name: String, span: ClosedRange<Double>, fraction: Double) async throws {
        try cancellation.check()
        let exact = span.lowerBound + (span.upperBound - span.lowerBound) * min(1, max(0, fraction))
        let value = max(percentage, (exact * 100).rounded(.down) / 100)
        let now = Date()
        guard name != step || now.timeIntervalSince(lastWrite) >= 0.25 else { return }
        percentage = value
        step = name
        lastWrite = now
        try await recorder.apply(.progress(percentage: value, step: name, estimatedCompletion: estimate(now: now)))
    }

    /// A reporter for a pass or calibration running within `span`, naming its own details.
    nonisolated func reporter(_ name: String, span: ClosedRange<Double>) -> ProgressReporter {
        ProgressReporter { fraction, detail in
            let step = detail.isEmpty ? name : detail.hasPrefix(name) ? detail : "\(name): \(detail)"
            try await self.update(step, span: span, fraction: fraction)
        }
    }

    /// Linear extrapolation of the elapsed time; none before 5 % (too early to say).
    private func estimate(now: Date) -> Date? {
        guard percentage >= 5 else { return nil }
        let elapsed = now.timeIntervalSince(started)
        return started.addingTimeInterval(elapsed * 100 / percentage)
    }
}
