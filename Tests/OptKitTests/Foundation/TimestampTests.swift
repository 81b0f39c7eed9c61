import Foundation
import OptKit
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_795_784_709_120), "2026-11-27T13:05:09.120Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
    ])
    func formatsUTCWithMilliseconds(milliseconds: Int64, text: String) {
        #expect(Timestamp.format(milliseconds: milliseconds) == text)
        #expect(Timestamp.parse(text).map(Timestamp.milliseconds) == milliseconds)
    }

    @Test func parsesOffsetsAndDates() {
        #expect(Timestamp.parse("2026-11-27T10:00:00+01:30").map(Timestamp.format) == "2026-11-27T08:30:00.000Z")
        #expect(Timestamp.parse("2026-11-27").map(Timestamp.format) == "2026-11-27T00:00:00.000Z")
    }

    @Test(arguments: ["2026-11-27T10:00:00", "2026-02-30", "26-11-27", "2026-11-27T25:00:00Z", "2026-11-27Tfoo", "now"])
    func refusesAmbiguousOrInvalidText(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
