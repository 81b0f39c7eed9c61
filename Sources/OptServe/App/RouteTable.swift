import HTTPTypes

/// The API's routes as method + template (`/optimization/sessions/{id}`), read from the OpenAPI
/// document so the two cannot disagree. The router answers matched routes; this table answers
/// the question the router cannot: does an unmatched request's path exist with other methods
/// (405 with Allow) or not at all (404)?
struct RouteTable: Sendable {
    struct Entry: Sendable {
        let template: String
        let segments: [Substring]
        var methods: [HTTPRequest.Method]
    }

    private(set) var entries: [Entry] = []

    init(_ routes: [(method: HTTPRequest.Method, template: String)]) {
        for route in routes {
            if let index = entries.firstIndex(where: { $0.template == route.template }) {
                entries[index].methods.append(route.method)
            } else {
                entries.append(Entry(
                    template: route.template, segments: route.template.split(separator: "/"), methods: [route.method]))
            }
        }
    }

    /// The methods a path answers to (a CORS preflight and a 405 both need them).
    func methods(for path: String) -> [HTTPRequest.Method] {
        entry(for: path)?.methods ?? []
    }

    func template(for path: String) -> String? {
        entry(for: path)?.template
    }

    private func entry(for path: String) -> Entry? {
        let segments = path.split(separator: "/")
        return entries.first { entry in
            entry.segments.count == segments.count
                && zip(entry.segments, segments).allSatisfy { pattern, segment in
                    (pattern.first == "{" && pattern.last == "}") || pattern == segment
                }
        }
    }
}
