import Foundation
import Testing

@testable import OptServe

/// The small parsers every request goes through: which Authorization headers carry a bearer
/// token, and how the access log writes a duration.
@Suite struct HeaderParsingTests {
    @Test(arguments: [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        ("  Bearer    abc  ", "abc"),
        ("Bearer \tabc\t", "abc"),
        ("Bearer abc\u{00A0}", "abc"),
        ("Bearer a b", "a b"),
    ])
    func bearerTokensAreFound(header: String, token: String) {
        #expect(AuthenticationMiddleware.bearerToken(header) == token)
    }

    @Test(arguments: ["Bearer", "Bearer ", "Bearer    ", "Bearer\tabc", "Basic YWRhOnB3", "Bearerabc", "", "   ", "Token abc"])
    func otherHeadersCarryNoToken(header: String) {
        #expect(AuthenticationMiddleware.bearerToken(header) == nil)
    }

    @Test(arguments: [
        (Duration.zero, "0.00"),
        (.microseconds(50), "0.05"),
        (.microseconds(54), "0.05"),
        (.microseconds(56), "0.06"),
        (.microseconds(995), "1.00"),
        (.milliseconds(12.3), "12.30"),
        (.seconds(2) + .microseconds(7_010), "2007.01"),
    ])
    func durationsAreMillisecondsWithTwoDecimals(duration: Duration, text: String) {
        #expect(RequestLogMiddleware.milliseconds(duration) == text)
    }
}
