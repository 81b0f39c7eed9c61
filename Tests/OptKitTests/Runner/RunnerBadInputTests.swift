import Foundation
import Testing
@testable import OptKit

/// Bad input ends in a clear, recorded failure and leaves the input as it was.
@Suite struct RunnerBadInputTests {
    @Test func aMissingFileIsNotFoundAndCreatesNoSession() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let runner = Runner(platform: platform, settings: quickSettings)

        await #expect(throws: InputError(kind: .notFound, message: "\(directory.path("nope.onnx")): no such file")) {
            try await runner.createSession(model: directory.path("nope.onnx"), techniques: ["simplify"], owner: "ada")
        }
        #expect(try await platform.sessions.list(SessionFilter()).total == 0)
    }

    @Test func aFileThatIsNotONNXIsRecordedAsAFailedSession() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let path = directory.path("notes.onnx")
        try Data("these are not protobuf bytes\n".utf8).write(to: URL(fileURLWithPath: path))
        let runner = Runner(platform: platform, settings: quickSettings)

        let session = try await runner.createSession(model: path, techniques: ["simplify"], owner: "ada")

        #expect(session.status == .failed && session.errorType == .invalidModel)
        #expect(session.errorMessage?.contains(path) == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "these are not protobuf bytes\n")
    }

    @Test func anOpTheEngineLacksFailsTheSessionNamingTheOp() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let path = directory.path("hardmax.onnx")
        let type = TensorType(dataType: .float, shape: [.fixed(1), .fixed(4)])
        try Model(graph: Graph(
            name: "g", nodes: [Node(name: "pick", opType: "Hardmax", inputs: ["x"], outputs: ["y"])],
            inputs: [ValueInfo(name: "x", type: type)], outputs: [ValueInfo(name: "y", type: type)])
        ).write(to: URL(fileURLWithPath: path))
        let runner = Runner(platform: platform, settings: quickSettings)
        let pending = try await runner.createSession(model: path, techniques: ["simplify"], owner: "ada")

        let session = try await runner.execute(sessionID: pending.id, criteria: lenientCriteria())

        #expect(session.status == .failed && session.errorType == .unsupportedOp)
        #expect(session.errorMessage == "the engine cannot run op Hardmax (node 'pick')")
        #expect(try files(in: directory) == ["hardmax.onnx", "home"])
    }

    @Test func calibrationDataOfAnotherModelIsRefusedBeforeAnyWork() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("mlp_policy", to: directory)
        let before = try Data(contentsOf: input)
        var settings = quickSettings
        settings.calibration = exampleData("cnn_encoder/calibration")
        let runner = Runner(platform: platform, settings: settings)
        let pending = try await runner.createSession(model: input.path, techniques: ["quantize-int8"], owner: "ada")
        let events = EventRecorder()

        let ending = try await runner.run(sessionID: pending.id, criteria: lenientCriteria(), observer: events.record)

        #expect(ending.failureKind == .malformedInput)
        #expect(ending.session.status == .failed && ending.session.errorType == .invalidInput)
        #expect(ending.session.errorMessage?.contains("calibration sample") == true)
        // Refused while analysing: no pass ran, nothing was written.
        #expect(!events.all.contains { if case .progress(let p) = $0 { p.currentStep.hasPrefix("quantize") } else { false } })
        #expect(try Data(contentsOf: input) == before)
        #expect(try files(in: directory) == ["mlp_policy.onnx", "home"])
    }

    @Test func anUnreadableCalibrationPathIsRecordedAsNotFound() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("mlp_policy", to: directory)
        var settings = quickSettings
        settings.calibration = directory.url.appendingPathComponent("no-such-folder")
        let runner = Runner(platform: platform, settings: settings)
        let pending = try await runner.createSession(model: input.path, techniques: ["quantize-int8"], owner: "ada")

        let ending = try await runner.run(sessionID: pending.id, criteria: lenientCriteria())

        #expect(ending.failureKind == .notFound)
        #expect(ending.session.errorType == .invalidInput)
        #expect(ending.session.errorMessage?.contains("no-such-folder") == true)
    }

    @Test func techniquesTheCriteriaDoNotEnableAreRefused() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("mlp_policy", to: directory)
        let runner = Runner(platform: platform, settings: quickSettings)
        let pending = try await runner.createSession(model: input.path, techniques: ["fp16"], owner: "ada")

        let ending = try await runner.run(sessionID: pending.id, criteria: lenientCriteria { $0.enabledTechniques = ["simplify"] })

        #expect(ending.failureKind == .validation)
        #expect(ending.session.errorMessage?.contains("techniques: is not enabled by the criteria") == true)
    }

    @Test func anOutputPathEqualToTheInputIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let input = try copyExample("mlp_policy", to: directory)
        let before = try Data(contentsOf: input)
        var settings = quickSettings
        settings.output = input
        let runner = Runner(platform: platform, settings: settings)
        let pending = try await runner.createSession(model: input.path, techniques: ["simplify"], owner: "ada")

        let ending = try await runner.run(sessionID: pending.id, criteria: lenientCriteria())

        #expect(ending.session.errorMessage?.contains("never overwrites its input") == true)
        #expect(try Data(contentsOf: input) == before)
    }
}
