import Crypto
import Foundation
import OptKit

/// GET /docs: the OpenAPI document rendered once, at start-up, as one self-contained HTML page
/// (no script, no external resource, so no CDN). Everything printed comes from the document and
/// is HTML-escaped; nothing from a request is ever written into it. Its Content-Security-Policy
/// allows only its own inline style, by hash.
struct DocsPage {
    let html: String
    let contentSecurityPolicy: String

    init(document: JSONValue) {
        let style = Self.style
        let digest = Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString()
        contentSecurityPolicy = "default-src 'none'; style-src 'sha256-\(digest)'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        html = Self.render(document, style: style)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// `code` spans for backticks, everything else escaped.
    static func prose(_ text: String) -> String {
        var out = ""
        for (index, part) in text.split(separator: "`", omittingEmptySubsequences: false).enumerated() {
            out += index % 2 == 1 ? "<code>\(escape(String(part)))</code>" : escape(String(part))
        }
        return out
    }

    static let methods = ["get", "post", "put", "delete", "patch"]

    static func render(_ document: JSONValue, style: String) -> String {
        let info = document["info"]
        let title = info?["title"]?.stringValue ?? "API"
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) API</title><style>\(style)</style></head><body>
            <h1>\(escape(title)) API <small>\(escape(info?["version"]?.stringValue ?? ""))</small></h1>
            <p>\(prose(info?["description"]?.stringValue ?? ""))</p>
            <p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a> (OpenAPI \(escape(document["openapi"]?.stringValue ?? ""))).</p>
            <nav><h2>Endpoints</h2><ul>
            """
        var operations: [(path: String, method: String, operation: JSONValue, shared: [JSONValue])] = []
        if case .object(let paths)? = document["paths"] {
            for path in paths.keys.sorted() {
                guard let item = paths[path] else { continue }
                let shared: [JSONValue] = if case .array(let list)? = item["parameters"] { list } else { [] }
                for method in methods {
                    if let operation = item[method] { operations.append((path, method, operation, shared)) }
                }
            }
        }
        for entry in operations {
            let anchor = entry.operation["operationId"]?.stringValue ?? ""
            page += "<li><a href=\"#\(escape(anchor))\"><span class=\"m \(entry.method)\">\(entry.method.uppercased())</span> \(escape(entry.path))</a> \(escape(entry.operation["summary"]?.stringValue ?? ""))</li>\n"
        }
        page += "</ul></nav>\n"
        for entry in operations {
            page += renderOperation(path: entry.path, method: entry.method, entry.operation, shared: entry.shared, document: document)
        }
        page += "<h2 id=\"schemas\">Schemas</h2>\n"
        if case .object(let schemas)? = document["components"]?["schemas"] {
            for name in schemas.keys.sorted() {
                page += renderSchema(name: name, schemas[name] ?? .null)
            }
        }
        page += "</body></html>\n"
        return page
    }

    static func renderOperation(path: String, method: String, _ operation: JSONValue, shared: [JSONValue], document: JSONValue) -> String {
        let id = operation["operationId"]?.stringValue ?? ""
        var html = "<section id=\"\(escape(id))\"><h3><span class=\"m \(method)\">\(method.uppercased())</span> <code>\(escape(path))</code></h3>\n"
        html += "<p><strong>\(escape(operation["summary"]?.stringValue ?? ""))</strong></p>\n"
        if let description = operation["description"]?.stringValue { html += "<p>\(prose(description))</p>\n" }
        let isPublic: Bool = if case .array(let security)? = operation["security"], security.isEmpty { true } else { false }
        html += "<p class=\"auth\">\(isPublic ? "No token needed." : "Needs <code>Authorization: Bearer &lt;access_token&gt;</code>.")</p>\n"
        var parameters = shared
        if case .array(let own)? = operation["parameters"] { parameters += own }
        if !parameters.isEmpty {
            html += "<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>\n"
            for parameter in parameters {
                html += "<tr><td><code>\(escape(parameter["name"]?.stringValue ?? ""))</code></td><td>\(escape(parameter["in"]?.stringValue ?? ""))</td>"
                html += "<td>\(typeSummary(parameter["schema"]))</td><td>\(prose(parameter["description"]?.stringValue ?? ""))</td></tr>\n"
            }
            html += "</table>\n"
        }
        if let body = operation["requestBody"], case .object(let content)? = body["content"] {
            for type in content.keys.sorted() {
                html += "<p>Request body (<code>\(escape(type))</code>\(body["required"] == .bool(true) ? "" : ", optional")): \(typeSummary(content[type]?["schema"]))</p>\n"
            }
        }
        if case .object(let responses)? = operation["responses"] {
            html += "<table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>\n"
            for code in responses.keys.sorted() {
                var response = responses[code] ?? .null
                if let reference = response["$ref"]?.stringValue, let name = reference.split(separator: "/").last {
                    response = document["components"]?["responses"]?[String(name)] ?? response
                }
                let schema = response["content"].flatMap { content -> JSONValue? in
                    guard case .object(let types) = content, let first = types.keys.sorted().first else { return nil }
                    return types[first]?["schema"]
                }
                html += "<tr><td>\(escape(code))</td><td>\(prose(response["description"]?.stringValue ?? ""))</td><td>\(schema.map { typeSummary($0) } ?? "")</td></tr>\n"
            }
            html += "</table>\n"
        }
        return html + "</section>\n"
    }

    static func renderSchema(name: String, _ schema: JSONValue) -> String {
        var html = "<section id=\"schema-\(escape(name))\"><h3>\(escape(name))</h3>\n"
        if let description = schema["description"]?.stringValue { html += "<p>\(prose(description))</p>\n" }
        if case .object(let properties)? = schema["properties"] {
            let required: Set<String> = if case .array(let names)? = schema["required"] {
                Set(names.compactMap(\.stringValue))
            } else { [] }
            html += "<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr>\n"
            for key in properties.keys.sorted() {
                let property = properties[key] ?? .null
                html += "<tr><td><code>\(escape(key))</code></td><td>\(typeSummary(property))</td><td>\(required.contains(key) ? "yes" : "no")</td>"
                html += "<td>\(prose(property["description"]?.stringValue ?? ""))</td></tr>\n"
            }
            html += "</table>\n"
        } else {
            html += "<p>\(typeSummary(schema))</p>\n"
        }
        return html + "</section>\n"
    }

    /// A short type description: a link for references, `array of X`, enum values, nullability.
    static func typeSummary(_ schema: JSONValue?) -> String {
        guard let schema else { return "" }
        if let reference = schema["$ref"]?.stringValue, let name = reference.split(separator: "/").last {
            return "<a href=\"#schema-\(escape(String(name)))\">\(escape(String(name)))</a>"
        }
        var types: [String] = []
        switch schema["type"] {
        case .string(let type)?: types = [type]
        case .array(let list)?: types = list.compactMap(\.stringValue)
        default: break
        }
        var text = types.map { type in
            type == "array" ? "array of " + typeSummary(schema["items"]) : escape(type)
        }.joined(separator: " or ")
        if let format = schema["format"]?.stringValue { text += " (\(escape(format)))" }
        if case .array(let values)? = schema["enum"] {
            text += ": " + values.map { value in value.stringValue.map { "<code>\(escape($0))</code>" } ?? "null" }.joined(separator: ", ")
        }
        return text.isEmpty ? "any" : text
    }

    static let style = """
        body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}\
        h1 small{font-size:.5em;color:#666}section{border-top:1px solid #ddd;padding:.5rem 0}\
        table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}\
        code{background:#f4f4f4;padding:0 .2rem}.m{display:inline-block;min-width:4rem;font-weight:bold}\
        .get{color:#0a6}.post{color:#06c}.put{color:#a60}.delete{color:#c00}.auth{color:#555;font-size:.9em}
        """
}
