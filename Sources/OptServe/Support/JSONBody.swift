import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OptKit

/// Reads a JSON request body the strict way: the right media type (415 otherwise), no more
/// than the configured size (413), well-formed (400 naming the line and column), and only then
/// handed to a typed reader that reports every missing, mistyped or unknown field at once.
enum JSONBody {
    /// `application/json`, optionally with parameters (`; charset=utf-8`) or as a `+json` type.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces).lowercased()
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// The parsed body, which must be present.
    static func read(_ request: Request, limit: Int) async throws -> JSONValue {
        let contentType = request.headers[.contentType]
        guard isJSON(contentType) else {
            throw APIError.unsupportedMediaType(expected: "application/json", got: contentType)
        }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw APIError.payloadTooLarge(limit: limit)
        }
        var request = request
        let buffer = try await collect(&request, limit: limit)
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw APIError(
                .badRequest, code: "validation_error", message: "malformed JSON at line \(error.line), column \(error.column): \(error.reason)",
                details: .object([
                    "line": .number(Double(error.line)), "column": .number(Double(error.column)), "reason": .string(error.reason),
                ]))
        }
    }

    /// The parsed body, or nil when the request has none (no Content-Type and no bytes).
    static func readIfPresent(_ request: Request, limit: Int) async throws -> JSONValue? {
        if request.headers[.contentType] == nil {
            var request = request
            let rest = try await collect(&request, limit: limit)
            if rest.readableBytes == 0 { return nil }
            throw APIError.unsupportedMediaType(expected: "application/json", got: nil)
        }
        return try await read(request, limit: limit)
    }

    private static func collect(_ request: inout Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: limit)
        }
    }
}

/// A JSON response in the project's one encoding (`JSONCoding`: snake_case names from the
/// types, ISO-8601 timestamps with Z, sorted keys).
enum JSONResponse {
    static let contentType = "application/json; charset=utf-8"

    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try JSONCoding.encoder().encode(value)
        return make(bytes: data, status: status, headers: headers)
    }

    static func make(bytes: some Collection<UInt8>, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return make(buffer: buffer, status: status, headers: headers)
    }

    static func make(buffer: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        fields[.contentLength] = String(buffer.readableBytes)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: buffer))
    }
}

/// Query parameters checked against the names an endpoint knows: an unknown or repeated name
/// is a 400 naming it, like an unknown field in a body.
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ request: Request, known: Set<String>) throws(APIError) {
        var problems: [FieldProblem] = []
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            if !known.contains(name) {
                let message = known.isEmpty
                    ? "is not a known query parameter (this endpoint takes none)"
                    : "is not a known query parameter (known: \(known.sorted().joined(separator: ", ")))"
                problems.append(FieldProblem(field: name, value: .string(String(value)), message: message))
            } else if values[name] != nil {
                problems.append(FieldProblem(field: name, value: .string(String(value)), message: "is given more than once"))
            } else {
                values[name] = String(value)
            }
        }
        if !problems.isEmpty { throw APIError.validation(problems) }
    }

    subscript(name: String) -> String? { values[name] }

    /// For endpoints without parameters: any query parameter is a 400 naming it.
    static func rejectAny(_ request: Request) throws(APIError) {
        guard request.uri.query?.isEmpty == false else { return }
        _ = try QueryParameters(request, known: [])
    }
}
