/// Splits a line into words as iptables-restore (and a POSIX shell) does: double and single
/// quotes group, a backslash outside single quotes takes the next character as it is.
public enum ShellWords {
    /// Why a line could not be split.
    public struct UnterminatedQuote: Error, Equatable, CustomStringConvertible {
        public var line: String
        public var description: String { "unterminated quote in '\(line)'" }
    }

    public static func split(_ line: some StringProtocol) throws(UnterminatedQuote) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                word.append(character)
                escaped = false
            } else if character == "\\" && quote != "'" {
                escaped = true
                inWord = true
            } else if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(character)
                inWord = true
            }
        }
        if quote != nil || escaped { throw UnterminatedQuote(line: String(line)) }
        if inWord { words.append(word) }
        return words
    }
}
