import Foundation
import Logging
import OptKit

/// The worker pool's runner in a real server: OptKit's `Runner`, the pipeline behind
/// `optctl run`, so a session started over REST is measured and recorded exactly like one
/// started from the command line.
///
/// Each session writes its optimized model to `HOME/outputs/SESSION_ID.onnx` (two sessions on
/// the same model never overwrite each other's output). Stopping the server cancels the task,
/// which the runner notices between steps: the session ends cancelled (and recorded so), its
/// partial output removed. A cancel requested through the API reaches the runner through the session's lease
/// (the cancel mark), as it does for a run in another process.
public struct OptKitSessionRunner: SessionRunning {
    let platform: Platform
    let settings: RunSettings
    let holder: LeaseHolder
    let outputs: URL
    let logger: Logger

    /// `settings` apply to every session (threads, timed runs); their `output` is replaced per
    /// session.
    public init(
        platform: Platform, settings: RunSettings = RunSettings(), holder: LeaseHolder = .current,
        logger: Logger = Logger(label: "optctl.serve.run")
    ) {
        self.platform = platform
        self.settings = settings
        self.holder = holder
        self.outputs = platform.configuration.home.appendingPathComponent("outputs", isDirectory: true)
        self.logger = logger
    }

    public func run(_ job: SessionJob) async {
        var settings = settings
        settings.output = outputs.appendingPathComponent("\(job.sessionID).onnx")
        let runner = Runner(platform: platform, settings: settings, holder: holder, logger: logger)
        let cancellation = RunCancellation()
        do {
            try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
            // The run is its own task, not a child of this one: cancelling this task (the server
            // stopping) must reach the run as a RunCancellation, which it records as a cancelled
            // session, not as task cancellation, which would also abort the store writes that
            // record the ending and leave the session running until its lease expired.
            let run = Task {
                try await runner.execute(sessionID: job.sessionID, criteria: job.criteria, cancellation: cancellation)
            }
            _ = try await withTaskCancellationHandler {
                try await run.value
            } onCancel: {
                cancellation.cancel(reason: "the server stopped")
            }
        } catch {
            // Only a store failure gets here: nothing about the session could be recorded, so
            // the log is the one place left to say so. Its lease expires and the next process
            // that opens the store marks it interrupted.
            logger.error("session run could not be recorded", metadata: [
                "session_id": .string(job.sessionID), "error": .string("\(error)"),
            ])
        }
    }
}
