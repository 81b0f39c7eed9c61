import Foundation
import Hummingbird
import OptKit
import Testing

@testable import OptServe

@Suite struct SessionsTests {
    @Test func theListHasTheSeedsShapeAndFilters() async throws {
        let platform = try Fixture.makePlatform()
        for status in [SessionStatus.completed, .completed, .failed, .pending] {
            _ = try await makeSession(platform, owner: "eve", status: status)
        }
        try await Fixture(platform: platform).test { client in
            let all = try await client.request(.get, "/optimization/sessions", as: "vic")
            #expect(all.status == .ok)
            let json = try all.json()
            #expect(json["total"] == .number(4))
            #expect(json["skip"] == .number(0))
            #expect(json["limit"] == .number(50))
            guard case .array(let sessions)? = json["sessions"], let first = sessions.first else {
                Issue.record("no sessions in \(all.body)")
                return
            }
            for key in ["session_id", "model_id", "model_name", "status", "progress_percentage", "techniques",
                        "size_reduction_percent", "speed_improvement_percent", "created_at", "updated_at", "completed_at"] {
                #expect(first[key] != nil, "missing \(key)")
            }
            let completed = try await client.request(.get, "/optimization/sessions?status=completed&limit=1", as: "vic")
            let page = try completed.json()
            #expect(page["total"] == .number(2))
            if case .array(let items)? = page["sessions"] { #expect(items.count == 1) }
        }
    }

    @Test func invalidParametersAreAllReported() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(
                .get, "/optimization/sessions?status=done&limit=101&skip=-1&start_date=yesterday", as: "vic")
            #expect(reply.status == .badRequest)
            #expect(Set(try reply.problemFields()) == ["status", "limit", "skip", "start_date"])
            let limit = try reply.json()["details"]?["fields"]
            #expect(limit != nil)
        }
    }

    @Test func engineersSeeTheirOwnSessionsOnly() async throws {
        let platform = try Fixture.makePlatform()
        let mine = try await makeSession(platform, owner: "eve")
        let theirs = try await makeSession(platform, owner: "ed")
        try await Fixture(platform: platform).test { client in
            let list = try await client.request(.get, "/optimization/sessions", as: "eve")
            #expect(try list.json()["total"] == .number(1))
            #expect(try await client.request(.get, "/optimization/sessions/\(mine.id)", as: "eve").status == .ok)
            let other = try await client.request(.get, "/optimization/sessions/\(theirs.id)", as: "eve")
            #expect(other.status == .forbidden)
            #expect(try await client.request(.get, "/optimization/sessions", as: "ada").json()["total"] == .number(2))
        }
    }

    @Test func aMissingSessionIs404() async throws {
        try await Fixture().test { client in
            let reply = try await client.request(.get, "/optimization/sessions/nope", as: "ada")
            #expect(reply.status == .notFound)
            #expect(try reply.errorCode() == "not_found")
        }
    }

    @Test func oneSessionCarriesItsResults() async throws {
        let platform = try Fixture.makePlatform()
        let done = try await makeSession(platform, owner: "eve", status: .completed)
        try await Fixture(platform: platform).test { client in
            let json = try await client.request(.get, "/optimization/sessions/\(done.id)", as: "vic").json()
            #expect(json["status"] == .string("completed"))
            #expect(json["results"] == .object([:]))
            #expect(json["size_reduction_percent"] == .number(40))
        }
    }

    @Test func cancellingPendingRunningAndFinishedSessions() async throws {
        let platform = try Fixture.makePlatform()
        let pending = try await makeSession(platform, owner: "eve")
        let running = try await makeSession(platform, owner: "eve", status: .running)
        let done = try await makeSession(platform, owner: "eve", status: .completed)
        try await Fixture(platform: platform).test { client in
            let now = try await client.request(.post, "/optimization/sessions/\(pending.id)/cancel", as: "eve")
            #expect(now.status == .ok)
            #expect(try now.json()["status"] == .string("cancelled"))
            let later = try await client.request(
                .post, "/optimization/sessions/\(running.id)/cancel", as: "ada", json: #"{"reason": "wrong model"}"#)
            #expect(later.status == .accepted)
            #expect(try later.json()["cancel_requested"] == .bool(true))
            let finished = try await client.request(.post, "/optimization/sessions/\(done.id)/cancel", as: "eve")
            #expect(finished.status == .conflict)
            #expect(try finished.errorCode() == "conflict")
            let unknownField = try await client.request(
                .post, "/optimization/sessions/\(running.id)/cancel", as: "ada", json: #"{"why": "x"}"#)
            #expect(try unknownField.problemFields() == ["why"])
        }
    }

    @Test func statsAreTheCLIsFigures() async throws {
        let platform = try Fixture.makePlatform()
        _ = try await makeSession(platform, owner: "eve", status: .completed)
        _ = try await makeSession(platform, owner: "eve", status: .failed)
        try await Fixture(platform: platform).test { client in
            var served = try await client.request(.get, "/dashboard/stats", as: "vic").json()
            var direct = try JSONParser.parse(JSONCoding.string(await platform.dashboardStats()))
            guard case .object(var a) = served, case .object(var b) = direct else { return }
            #expect(a.removeValue(forKey: "last_updated") != nil)
            b.removeValue(forKey: "last_updated")
            served = .object(a)
            direct = .object(b)
            #expect(served == direct)
            #expect(served["completed_optimizations"] == .number(1))
        }
    }
}
