/// Splits a command line into words the way a POSIX shell does for simple commands: spaces
/// separate words, single quotes keep text literally, double quotes keep spaces, a backslash
/// escapes the next character.
enum ShellWords {
    struct UnterminatedQuote: Error, CustomStringConvertible {
        let quote: Character
        var description: String { "unterminated \(quote) quote" }
    }

    static func split(_ line: String) throws(UnterminatedQuote) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for char in line {
            if escaped {
                word.append(char)
                escaped = false
                continue
            }
            switch (quote, char) {
            case (nil, "\\"), ("\"", "\\"):
                escaped = true
                inWord = true
            case (nil, "'"), (nil, "\""):
                quote = char
                inWord = true
            case let (open?, c) where c == open:
                quote = nil
            case (nil, " "), (nil, "\t"):
                if inWord { words.append(word) }
                word = ""
                inWord = false
            default:
                word.append(char)
                inWord = true
            }
        }
        if let quote { throw UnterminatedQuote(quote: quote) }
        if escaped { word.append("\\") }
        if inWord { words.append(word) }
        return words
    }
}
