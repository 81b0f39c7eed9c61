import OptKit
import Testing

@Suite struct SessionFilterTests {
    @Test func defaultsWhenNothingIsGiven() throws {
        let filter = try SessionFilter()
        #expect(filter.skip == 0)
        #expect(filter.limit == 50)
        #expect(filter.status == nil)
    }

    @Test func emptyTextCountsAsAbsent() throws {
        let filter = try SessionFilter(status: "", skip: "", limit: "")
        #expect(filter.status == nil && filter.limit == 50)
    }

    @Test(arguments: ["pending", "running", "completed", "failed", "cancelled"])
    func acceptsEveryStatus(status: String) throws {
        #expect(try SessionFilter(status: status).status?.rawValue == status)
    }

    @Test(arguments: [
        ("status", "bogus"), ("skip", "-1"), ("skip", "abc"), ("limit", "0"), ("limit", "101"), ("limit", "2.5"),
        ("start_date", "yesterday"), ("end_date", "2026-13-01"),
    ])
    func rejectsAnInvalidValueNamingItsField(field: String, value: String) {
        #expect {
            switch field {
            case "status": _ = try SessionFilter(status: value)
            case "skip": _ = try SessionFilter(skip: value)
            case "limit": _ = try SessionFilter(limit: value)
            case "start_date": _ = try SessionFilter(startDate: value)
            default: _ = try SessionFilter(endDate: value)
            }
        } throws: { error in
            (error as? InvalidRequest)?.fields.map(\.field) == [field]
        }
    }

    @Test func limitBoundsAreInclusive() throws {
        #expect(try SessionFilter(limit: "1").limit == 1)
        #expect(try SessionFilter(limit: "100").limit == 100)
    }

    @Test func reportsEveryProblemAtOnce() {
        #expect {
            _ = try SessionFilter(status: "nope", skip: "-5", limit: "500")
        } throws: { error in
            let fields = (error as? InvalidRequest)?.fields ?? []
            return fields.map(\.field) == ["status", "skip", "limit"] && fields[2].value == .number(500)
        }
    }

    @Test func startAfterEndIsAnError() {
        #expect {
            _ = try SessionFilter(startDate: "2026-11-02", endDate: "2026-11-01")
        } throws: { error in
            (error as? InvalidRequest)?.fields.first?.field == "start_date"
        }
    }

    @Test func datesAcceptDayAndTimestampForms() throws {
        let filter = try SessionFilter(startDate: "2026-11-01", endDate: "2026-11-01T12:00:00+02:00")
        #expect(filter.startDate.map(Timestamp.format) == "2026-11-01T00:00:00.000Z")
        #expect(filter.endDate.map(Timestamp.format) == "2026-11-01T10:00:00.000Z")
    }
}
