// The real-time channel alone, for scripts/bench-realtime: one running session in a temporary
// store, a token "bench" that stands for an admin, and a control route that makes the server
// emit progress for that session at a given rate, each event stamped with the time it is
// published. The channel, its rooms and fan-out are the production code; only the event
// source is bypassed (events are published directly instead of through the store's log, whose
// 100 ms polling would otherwise dominate the figure being measured).
//
//   socketio-bench-server [--port PORT] [--home DIR]
//   POST /bench/emit?rate=EVENTS_PER_SECOND&seconds=DURATION   starts emitting
//   GET  /bench/session                                         the session id to subscribe to
//   GET  /bench/stats                                           how long each publish took
//
// Not part of optctl.
import Foundation
import Hummingbird
import Logging
import OptKit
import OptServe
import Synchronization

var port = 3001
var home = FileManager.default.temporaryDirectory.appendingPathComponent("socketio-bench-\(ProcessInfo.processInfo.processIdentifier)")
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--port": port = arguments.next().flatMap(Int.init) ?? port
    case "--home": home = URL(fileURLWithPath: arguments.next() ?? home.path)
    default:
        FileHandle.standardError.write(Data("usage: socketio-bench-server [--port PORT] [--home DIR]\n".utf8))
        exit(64)
    }
}

var logger = Logger(label: "socketio-bench")
logger.logLevel = .warning

let platform = try Platform(configuration: PlatformConfiguration(home: home, user: "bench"))
let created = try await platform.sessions.create(
    NewSession(modelID: "bench-model", modelName: "bench.onnx", techniques: ["quantize-int8"], owner: "bench"))
let running = try await platform.sessions.apply(.start, to: created.id)
let databasePath = home.appendingPathComponent(Platform.databaseFileName).path

let channel = RealtimeChannel(
    configuration: RealtimeConfiguration(
        engine: EngineConfiguration(maxConnections: 50_000, connectionRatePerSecond: 1_000_000, connectionBurst: 1_000_000)),
    verifier: ClosureTokenVerifier { token throws(TokenRefusal) in
        guard token == "bench" else { throw TokenRefusal("invalid token") }
        return RealtimeIdentity(user: "bench", role: .admin)
    },
    sessions: platform.sessions,
    events: StoreEventSource(log: SQLiteEventLog(database: platform.database), changes: try SQLiteChangeDetector(path: databasePath)),
    logger: logger)

/// Milliseconds each `publish` took in the last emitting run: the server's own share of the
/// fan-out (encode once, queue for every recipient), before the event loops write the frames.
let publishTimes = Mutex<[Double]>([])

/// Publishes progress events for the bench session at `rate` per second for `seconds`.
func emit(rate: Double, seconds: Double) async {
    var times: [Double] = []
    defer { publishTimes.withLock { $0 = times } }
    let interval = Duration.nanoseconds(Int64(1e9 / max(rate, 0.001)))
    let count = Int(rate * seconds)
    let clock = ContinuousClock()
    var next = clock.now
    for index in 0..<count {
        next += interval
        let now = Timestamp.now()
        let change = SessionChange.progress(percentage: Double(index % 100), step: "bench \(index)", estimatedCompletion: nil)
        if case let (_, event?)? = try? running.applying(change, at: now) {
            let start = clock.now
            await channel.publish(event)
            let elapsed = (clock.now - start).components
            times.append(Double(elapsed.seconds) * 1e3 + Double(elapsed.attoseconds) / 1e15)
        }
        try? await Task.sleep(until: next, clock: clock)
    }
}

let router = Router()
channel.addRoutes(to: router)
router.get("/bench/session") { _, _ in running.id }
router.get("/bench/stats") { _, _ -> String in
    let times = publishTimes.withLock { $0 }.sorted()
    func percentile(_ fraction: Double) -> Double {
        times.isEmpty ? 0 : times[min(times.count - 1, Int((fraction * Double(times.count - 1)).rounded()))]
    }
    return "{\"publishes\":\(times.count),\"publish_p50_ms\":\(percentile(0.5)),\"publish_p99_ms\":\(percentile(0.99)),\"publish_max_ms\":\(times.last ?? 0)}"
}
router.post("/bench/emit") { request, _ -> String in
    let rate = request.uri.queryParameters["rate"].flatMap { Double(String($0)) } ?? 10
    let seconds = request.uri.queryParameters["seconds"].flatMap { Double(String($0)) } ?? 10
    Task { await emit(rate: rate, seconds: seconds) }
    return "emitting \(rate)/s for \(seconds) s\n"
}

let app = Application(
    router: router,
    server: .engineIO([channel.engine]),
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "optctl-socketio-bench", backlog: 4096),
    services: [channel],
    logger: logger)
defer { try? FileManager.default.removeItem(at: home) }
try await app.runService()
