import Foundation
import Synchronization
import Testing
@testable import OptKit

/// A copy of Examples/NAME.onnx in `directory`, so runs write their output there.
func copyExample(_ name: String, to directory: TemporaryDirectory) throws -> URL {
    let target = directory.url.appendingPathComponent("\(name).onnx")
    try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Examples/\(name).onnx"), to: target)
    return target
}

func exampleData(_ path: String) -> URL {
    repositoryRoot.appendingPathComponent("Examples/\(path)")
}

/// Collects a run's events in order.
final class EventRecorder: Sendable {
    private let events = Mutex<[SessionEvent]>([])

    var all: [SessionEvent] { events.withLock { $0 } }
    var names: [String] { all.map(\.name) }

    func record(_ event: SessionEvent) {
        events.withLock { $0.append(event) }
    }
}

/// Criteria that every run on the examples meets unless a test tightens them.
func lenientCriteria(_ change: (inout OptimizationCriteria) -> Void = { _ in }) -> OptimizationCriteria {
    var criteria = OptimizationCriteria.defaults
    criteria.minAccuracyRetentionPercent = 0
    change(&criteria)
    return criteria
}

/// Few timed runs: these tests check behaviour, not speed.
let quickSettings = RunSettings(threads: 1, runs: 5, warmupRuns: 1)

func files(in directory: TemporaryDirectory) throws -> Set<String> {
    Set(try FileManager.default.contentsOfDirectory(atPath: directory.url.path))
}
