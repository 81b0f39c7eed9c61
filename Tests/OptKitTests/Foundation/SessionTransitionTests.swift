import Foundation
import OptKit
import Testing

@Suite struct SessionTransitionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func session(_ status: SessionStatus) -> Session {
        Session(id: "s1", modelID: "m", modelName: "policy", status: status, techniques: ["fp16"], owner: "ana",
                createdAt: now, updatedAt: now)
    }

    static let legal: [(SessionStatus, SessionStatus)] = [
        (.pending, .running), (.pending, .failed), (.pending, .cancelled),
        (.running, .completed), (.running, .failed), (.running, .cancelled),
    ]

    @Test func legalMovesAreExactlyTheDocumentedOnes() {
        for from in SessionStatus.allCases {
            for to in SessionStatus.allCases {
                let expected = Self.legal.contains { $0 == (from, to) }
                #expect(from.canTransition(to: to) == expected, "\(from) -> \(to)")
            }
        }
    }

    @Test func startPublishesSessionStartedWithTheSeedFields() throws {
        let (next, event) = try session(.pending).applying(.start, at: now)
        #expect(next.status == .running)
        guard case .started(let started)? = event else { Issue.record("no started event"); return }
        #expect(started.sessionID == "s1" && started.modelName == "policy" && started.techniques == ["fp16"])
    }

    @Test(arguments: [SessionStatus.completed, .failed, .cancelled])
    func aFinishedSessionNeverRunsAgain(status: SessionStatus) {
        #expect(throws: IllegalTransition.self) { try session(status).applying(.start, at: now) }
        #expect(throws: IllegalTransition.self) {
            try session(status).applying(.progress(percentage: 10, step: "x", estimatedCompletion: nil), at: now)
        }
    }

    @Test(arguments: [SessionStatus.completed, .failed, .cancelled])
    func cancellingAFinishedSessionIsAConflict(status: SessionStatus) {
        #expect {
            try session(status).applying(.requestCancel(reason: "user"), at: now)
        } throws: { error in
            (error as? IllegalTransition)?.kind == .conflict
        }
    }

    @Test func cancelRequestOnPendingCancelsAtOnce() throws {
        let (next, event) = try session(.pending).applying(.requestCancel(reason: "user"), at: now)
        #expect(next.status == .cancelled && next.completedAt == now)
        #expect(event?.name == "session_cancelled")
    }

    @Test func cancelRequestOnRunningOnlySetsTheMark() throws {
        let (next, event) = try session(.running).applying(.requestCancel(reason: "user"), at: now)
        #expect(next.status == .running && next.cancelRequested)
        #expect(event == nil)
    }

    @Test func completionRecordsFiguresAndFinishes() throws {
        let outcome = SessionOutcome(sizeReductionPercent: 74, speedImprovementPercent: 51, accuracyRetentionPercent: 99.2,
                                     results: .object(["output_model_path": .string("/tmp/x.onnx")]))
        let (next, event) = try session(.running).applying(.complete(outcome), at: now)
        #expect(next.status == .completed && next.progressPercentage == 100 && next.completedAt == now)
        #expect(next.sizeReductionPercent == 74 && next.accuracyRetentionPercent == 99.2)
        guard case .completed(let completed)? = event else { Issue.record("no completed event"); return }
        #expect(completed.results["speed_improvement_percent"] == .number(51))
        #expect(completed.results["output_model_path"] == .string("/tmp/x.onnx"))
    }

    @Test func progressIsOnlyForRunningSessions() {
        #expect(throws: IllegalTransition.self) {
            try session(.pending).applying(.progress(percentage: 5, step: "load", estimatedCompletion: nil), at: now)
        }
    }
}
