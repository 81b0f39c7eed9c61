/// A text table with aligned columns. Widths ignore ANSI colour codes, so coloured cells
/// still line up.
struct Table {
    let headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) {
        self.headers = headers
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    func render(style: Style) -> String {
        var widths = headers.map(Self.visibleWidth)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], Self.visibleWidth(cell)) }
        }
        func format(_ cells: [String]) -> String {
            var line = ""
            for (index, cell) in cells.enumerated() {
                line += cell
                if index < cells.count - 1 {
                    line += String(repeating: " ", count: widths[index] - Self.visibleWidth(cell) + 2)
                }
            }
            return line
        }
        return ([style.bold(format(headers))] + rows.map(format)).joined(separator: "\n")
    }

    /// Characters that take space on screen (escape sequences do not).
    static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }
}
