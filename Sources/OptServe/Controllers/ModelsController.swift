import Foundation
import HTTPTypes
import Hummingbird
import OptKit

/// The model registry: list and read (everyone signed in), upload (engineers and admins),
/// delete (admins).
struct ModelsController {
    let platform: Platform
    let settings: ServerSettings
    let validate: ModelValidator

    /// Uploaded files live here; a model registered from elsewhere by the CLI keeps its file
    /// where it is, and deleting it from the registry leaves that file alone.
    var uploadDirectory: URL { platform.configuration.home.appendingPathComponent("models") }

    /// The registry's list (the seed leaves it open): newest first.
    struct ModelList: Encodable {
        let models: [ModelRecord]
        let total: Int
    }

    var routes: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get(use: list)
            .post(use: upload)
            .get("{id}", use: show)
            .delete("{id}", use: delete)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireIdentity()
        try QueryParameters.rejectAny(request)
        let models = try await TransientRetry.run { try await platform.models.list() }
        return try JSONResponse.make(ModelList(models: models, total: models.count))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireIdentity()
        try QueryParameters.rejectAny(request)
        let id = try context.parameters.require("id")
        return try JSONResponse.make(try await TransientRetry.run { try await platform.models.model(id: id) })
    }

    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try AccessPolicy.require(.engineer, context, to: "upload models")
        let query = try QueryParameters(request, known: ["name"])
        let name = query["name"]
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 200 {
            throw APIError.validation([FieldProblem(field: "name", value: .string(name), message: "must be 1 to 200 characters")])
        }
        let contentType = request.headers[.contentType]
        let mediaType = contentType?.split(separator: ";", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/octet-stream" else {
            throw APIError.unsupportedMediaType(expected: "application/octet-stream (the .onnx file's bytes)", got: contentType)
        }
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > settings.maxUploadBytes {
            throw APIError.payloadTooLarge(limit: Int(clamping: settings.maxUploadBytes))
        }
        let upload = ModelUpload(directory: uploadDirectory, limit: settings.maxUploadBytes, validate: validate, store: platform.models)
        let outcome = try await upload.receive(request.body, name: name)
        var headers = HTTPFields()
        headers[.location] = "/models/\(outcome.record.id)"
        return try JSONResponse.make(outcome.record, status: outcome.created ? .created : .ok, headers: headers)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try AccessPolicy.require(.admin, context, to: "delete models")
        try QueryParameters.rejectAny(request)
        let id = try context.parameters.require("id")
        let record = try await TransientRetry.run { try await platform.models.delete(id: id) }
        let file = URL(fileURLWithPath: record.path)
        if file.deletingLastPathComponent().standardizedFileURL.path == uploadDirectory.standardizedFileURL.path {
            try? FileManager.default.removeItem(at: file)
        }
        return Response(status: .noContent)
    }
}
