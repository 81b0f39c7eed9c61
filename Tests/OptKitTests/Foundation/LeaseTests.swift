import Foundation
import GRDB
import OptKit
import Testing

@Suite struct LeaseTests {
    /// A holder on this host whose process has exited (a pid that cannot exist).
    let deadHolder = LeaseHolder(host: LeaseHolder.current.host, pid: Int32.max - 7, instance: "gone")

    func create(_ platform: Platform, holder: LeaseHolder?, running: Bool) async throws -> Session {
        let session = try await platform.sessions.create(
            NewSession(modelID: "m", modelName: "policy", techniques: ["fp16"], owner: "ana", holder: holder))
        return running ? try await platform.sessions.apply(.start, to: session.id) : session
    }

    @Test func anExpiredLeaseOfADeadProcessIsFailedAsInterrupted() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let running = try await create(platform, holder: deadHolder, running: true)
        let pending = try await create(platform, holder: deadHolder, running: false)
        // An explicit expiry keeps the test independent of how long the steps above took.
        let expiry = Date().addingTimeInterval(600)
        _ = try await platform.sessions.renewLease(holder: deadHolder, sessions: [running.id, pending.id], until: expiry)

        #expect(try await platform.sessions.recoverAbandoned(now: Date()).isEmpty)  // lease still valid
        let recovered = try await platform.sessions.recoverAbandoned(now: expiry.addingTimeInterval(1))
        #expect(Set(recovered.map(\.id)) == [running.id, pending.id])
        let stored = try await platform.sessions.session(id: running.id)
        #expect(stored.status == .failed && stored.errorType == .interrupted)
        #expect(stored.errorMessage?.contains(deadHolder.description) == true)
        let events = try await SQLiteEventLog(database: platform.database).events(session: running.id).map(\.event.name)
        #expect(events == ["session_started", "session_failed"])
    }

    @Test func aLiveProcessKeepsItsSessionsEvenAfterExpiry() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let session = try await create(platform, holder: .current, running: true)
        let muchLater = Date().addingTimeInterval(3600)
        #expect(try await platform.sessions.recoverAbandoned(now: muchLater).isEmpty)
        #expect(try await platform.sessions.session(id: session.id).status == .running)
    }

    @Test func renewalPostponesExpiryAndReportsCancelRequests() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let session = try await create(platform, holder: deadHolder, running: true)
        let farFuture = Date().addingTimeInterval(600)
        #expect(try await platform.sessions.renewLease(holder: deadHolder, sessions: [session.id], until: farFuture).isEmpty)
        #expect(try await platform.sessions.recoverAbandoned(now: Date().addingTimeInterval(60)).isEmpty)

        try await platform.sessions.apply(.requestCancel(reason: "from the dashboard"), to: session.id)
        let cancel = try await platform.sessions.renewLease(holder: deadHolder, sessions: [session.id], until: farFuture)
        #expect(cancel == [session.id])
    }

    @Test func finishedSessionsAreNeverRecovered() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let session = try await create(platform, holder: deadHolder, running: true)
        try await platform.sessions.apply(.cancel(reason: "user"), to: session.id)
        #expect(try await platform.sessions.recoverAbandoned(now: Date().addingTimeInterval(3600)).isEmpty)
    }

    @Test func holderTextRoundTrips() {
        #expect(LeaseHolder(parsing: LeaseHolder.current.description) == .current)
        #expect(LeaseHolder(parsing: "no-slashes") == nil)
        #expect(LeaseHolder.current.mayBeAlive && !deadHolder.mayBeAlive)
    }
}
