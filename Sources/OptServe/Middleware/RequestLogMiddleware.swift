import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-ID")!
}

/// The outermost middleware: gives the request its id (the client's X-Request-ID when it is a
/// sane token, else a new UUID), puts the id on every response, and writes one access-log line
/// and one metrics sample per request with the route template, status, duration and user.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let logger: Logger
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        context.requestID = Self.acceptedID(request.headers[.requestID]) ?? UUID().uuidString.lowercased()
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // ErrorMiddleware answers every error; anything reaching here escaped it.
            response = ErrorMiddleware.response(for: ErrorMapper.internalError, requestID: context.requestID)
        }
        response.headers[.requestID] = context.requestID
        response.headers[.xContentTypeOptions] = "nosniff"

        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "NotFound"
        let status = response.status.code
        metrics.record(method: request.method.rawValue, route: route, status: status, duration: duration)
        if logger.logLevel <= .info {
            logger.info("\(request.method.rawValue) \(route) \(status)", metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(route),
                "status": .stringConvertible(status),
                "duration_ms": .string(Self.milliseconds(duration)),
                "user": .string(context.log.user ?? "-"),
                "request_id": .string(context.requestID),
            ])
        }
        return response
    }

    /// Milliseconds to the nearest hundredth, always with two decimals (`0.05`, `12.30`), as
    /// `%.2f` prints them, without Foundation's `String(format:)`, which cost more than the
    /// rest of the line.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        // Hundredths of a millisecond are 10^13 attoseconds.
        let hundredths = (seconds * 100_000 + (attoseconds + 5_000_000_000_000) / 10_000_000_000_000)
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + String(fraction)
    }

    /// Visible ASCII, 1 to 200 characters: anything else is replaced, so a log line or a
    /// response header never carries what a client smuggled in.
    static func acceptedID(_ value: String?) -> String? {
        guard let value, (1...200).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return nil
        }
        return value
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
}
