import HTTPTypes
import Hummingbird
import NIOCore

/// GET /openapi.json and GET /docs, both rendered once at start-up and served as they are.
struct DocsController {
    let document: [UInt8]
    let page: DocsPage

    func addRoutes(to router: Router<AppRequestContext>) {
        let document = ByteBuffer(bytes: self.document)
        let html = ByteBuffer(string: page.html)
        let policy = page.contentSecurityPolicy
        router.get("/openapi.json") { request, _ -> Response in
            try QueryParameters.rejectAny(request)
            return JSONResponse.make(buffer: document)
        }
        router.get("/docs") { request, _ -> Response in
            try QueryParameters.rejectAny(request)
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.contentSecurityPolicy] = policy
            headers[.xFrameOptions] = "DENY"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: html))
        }
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
