import Foundation
import OptKit
import Testing

/// The hand-written JSON of the list and stats bodies must be byte for byte what
/// `JSONCoding.encoder()` writes, or clients (and the OpenAPI checks) would see a change.
@Suite struct JSONBytesTests {
    static let awkwardStrings = [
        "", "plain", "a/b", "quote \" and backslash \\", "\u{0}\u{1}\u{7}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1b}\u{1f} \u{7f}",
        "é€😀 \u{2028}\u{2029} \u{fffe}", "policy-7 (int8)\n", String(repeating: "x", count: 300),
    ]
    static let awkwardNumbers: [Double] = [
        0, -0.0, 1, -1, 100, 99.5, 0.1, 1.0 / 3, 50.0 / 3, -12.25, 1e15, 1e16, 1e17, 1.5e300, 1e-7, 0.000001,
        123456789012345680, 5e-324, .greatestFiniteMagnitude, 1e21, 12345.678,
    ]
    static let dates = [
        Date(timeIntervalSince1970: 0), Timestamp.date(milliseconds: 1_795_784_709_120), Timestamp.date(milliseconds: -1),
        Timestamp.date(milliseconds: 253_402_300_799_999),
    ]

    static func encoded(_ value: some Encodable) throws -> [UInt8] {
        Array(try JSONCoding.encoder().encode(value))
    }

    static func summary(_ index: Int) -> SessionSummary {
        let strings = awkwardStrings
        let numbers = awkwardNumbers
        func pick<T>(_ values: [T], _ salt: Int) -> T { values[(index * 7 + salt) % values.count] }
        let optional = index % 3 != 0
        return SessionSummary(Session(
            id: pick(strings, 1), modelID: pick(strings, 2), modelName: pick(strings, 3),
            status: pick(SessionStatus.allCases, 0), progressPercentage: pick(numbers, 4),
            currentStep: optional ? pick(strings, 5) : nil, techniques: Array(strings.prefix(index % 4)),
            sizeReductionPercent: optional ? pick(numbers, 6) : nil, speedImprovementPercent: optional ? pick(numbers, 7) : nil,
            accuracyRetentionPercent: optional ? pick(numbers, 8) : nil, results: .object(["ignored": .number(1)]),
            errorMessage: "not in a summary", errorType: optional ? pick(SessionErrorType.allCases, 9) : nil,
            owner: pick(strings, 10), cancelRequested: index % 2 == 0, createdAt: pick(dates, 11), updatedAt: pick(dates, 12),
            completedAt: optional ? pick(dates, 13) : nil))
    }

    @Test func sessionPagesMatchJSONEncoder() throws {
        for count in [0, 1, 2, 57] {
            let page = SessionPage(sessions: (0..<count).map(Self.summary), total: 100_000 + count, skip: count * 10, limit: 50)
            let handWritten = try page.jsonBytes()
            let reference = try Self.encoded(page)
            #expect(handWritten == reference, "\(String(decoding: handWritten, as: UTF8.self))\n!=\n\(String(decoding: reference, as: UTF8.self))")
        }
    }

    @Test func dashboardStatsMatchJSONEncoder() throws {
        for (index, number) in Self.awkwardNumbers.enumerated() {
            let stats = DashboardStats(
                totalModels: index * 1000, activeOptimizations: index, completedOptimizations: 70_000 - index,
                failedOptimizations: -index, averageSizeReduction: number, averageSpeedImprovement: -number,
                totalSessions: Int.max - index, lastUpdated: Self.dates[index % Self.dates.count],
                warnings: index % 2 == 0 ? nil : Array(Self.awkwardStrings.prefix(index % 5)))
            #expect(try stats.jsonBytes() == Self.encoded(stats))
        }
    }

    @Test func everyASCIICharacterIsEscapedAsJSONEncoderDoes() throws {
        for scalar in 0..<128 {
            let text = "a" + String(UnicodeScalar(UInt8(scalar))) + "b"
            var json = JSONBytes()
            json.strings([text])
            #expect(json.bytes == (try Self.encoded([text])), "U+\(String(scalar, radix: 16))")
        }
    }

    /// A figure that JSON cannot carry is an error, as with `JSONEncoder`, not a broken body.
    @Test func infinityAndNaNAreRefused() {
        for value in [Double.infinity, -.infinity, .nan] {
            var json = JSONBytes()
            #expect(throws: EncodingError.self) { try json.double(value) }
            #expect(throws: EncodingError.self) { try Self.encoded([value]) }
        }
    }
}
