import OptKit

/// Compact JSON text for Socket.IO packets (keys sorted, so output is stable), written by hand
/// because packets are built on every emit and parsed on every received event.
enum JSONText {
    static func string(_ value: JSONValue) -> String {
        var text = ""
        write(value, to: &text)
        return text
    }

    static func write(_ value: JSONValue, to text: inout String) {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .number(let number): text += JSONValue.numberLiteral(number)
        case .string(let string): text += quoted(string)
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                write(item, to: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                text += quoted(key)
                text += ":"
                write(members[key] ?? .null, to: &text)
            }
            text += "}"
        }
    }

    static func quoted(_ string: String) -> String {
        JSONValue.quoted(string)
    }
}
