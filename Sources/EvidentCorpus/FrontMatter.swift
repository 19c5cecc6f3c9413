/// A value in YAML front matter: one string, or a list of strings.
enum FrontMatterValue: Sendable, Hashable {
    /// A single value.
    case scalar(String)
    /// A block (`- item` lines) or flow (`[a, b]`) list.
    case list([String])

    /// The value as one string; list items joined with "; ", as every reader joins a list (a filter splits
    /// them there again).
    var joined: String {
        switch self {
        case .scalar(let value): value
        case .list(let items): items.joined(separator: "; ")
        }
    }
}

/// A front matter line that falls outside the YAML subset Evident reads.
struct FrontMatterError: Error, Sendable, Hashable {
    /// The line in the file, counted from 1.
    var line: Int
    /// What is wrong.
    var reason: String
    /// How to fix it.
    var fix: String?
}

/// A parser for the small YAML subset found in Markdown front matter.
///
/// It reads top-level `key: value` entries only: plain values (continued on more-indented lines, as YAML folds
/// them), `'single'` (`''` for a quote) and `"double"` quoted values (with `\` escapes, possibly over several
/// lines), `|` and `>` block values, `key:` followed by `- item` lines, single-line `[a, b]` lists, `#` comments and
/// blank lines. Nested mappings, anchors, aliases and tags are reported as errors rather than guessed at.
struct FrontMatterParser {
    private let lines: [[Unicode.Scalar]]
    private let firstLineNumber: Int
    private var index = 0

    /// Parses the lines between the opening and closing `---`.
    ///
    /// - Parameters:
    ///   - lines: The front matter lines; a trailing `\n`, `\r\n` or `\r` is ignored.
    ///   - firstLineNumber: The file line number of `lines[0]`.
    /// - Returns: The entries in file order.
    /// - Throws: ``FrontMatterError`` naming the line that cannot be read, or a key given twice.
    static func parse(
        lines: [Substring], firstLineNumber: Int
    ) throws(FrontMatterError) -> [(key: String, value: FrontMatterValue)] {
        var parser = FrontMatterParser(
            lines: lines.map { line in
                var scalars = Array(line.unicodeScalars)
                if scalars.last == "\n" { scalars.removeLast() }
                if scalars.last == "\r" { scalars.removeLast() }
                return scalars
            },
            firstLineNumber: firstLineNumber)
        return try parser.entries()
    }

    private init(lines: [[Unicode.Scalar]], firstLineNumber: Int) {
        self.lines = lines
        self.firstLineNumber = firstLineNumber
    }

    private var lineNumber: Int { firstLineNumber + index }

    private mutating func entries() throws(FrontMatterError) -> [(key: String, value: FrontMatterValue)] {
        var result: [(key: String, value: FrontMatterValue)] = []
        var firstLineOfKey: [String: Int] = [:]
        while index < lines.count {
            let line = lines[index]
            if Self.isBlankOrComment(line) {
                index += 1
                continue
            }
            if Self.indentation(of: line) > 0 || Self.isListItem(line) {
                throw error(
                    "unexpected indented line or list item outside a list",
                    fix: "start each entry with 'key: value' at the beginning of a line")
            }
            guard let colon = Self.keySeparator(in: line) else {
                throw error("expected 'key: value'", fix: "write each entry as 'key: value'")
            }
            let key = Self.unquotedKey(String(String.UnicodeScalarView(line[..<colon])))
            if let earlier = firstLineOfKey[key] {
                throw error("key '\(key)' already given on line \(earlier)", fix: "keep one '\(key):' entry")
            }
            firstLineOfKey[key] = lineNumber
            let rest = Array(line[(colon + 1)...])
            let value = try self.value(startingWith: rest)
            result.append((key, value))
        }
        return result
    }

    // MARK: Values

    /// Reads the value whose text starts with `rest` on the current line; leaves `index` after its last line.
    private mutating func value(startingWith rest: [Unicode.Scalar]) throws(FrontMatterError) -> FrontMatterValue {
        let text = Self.trimmed(rest[...])
        guard let first = text.first, first != "#" else {
            index += 1
            return try valueOnFollowingLines()
        }
        switch first {
        case "\"", "'":
            let (value, remainder) = try quoted(startingAt: Array(text))
            try expectNothingBut(remainder)
            return .scalar(value)
        case "[":
            let value = try flowList(Array(text))
            index += 1
            return .list(value)
        case "|", ">":
            index += 1
            return .scalar(blockScalar(isFolded: first == ">"))
        case "{", "&", "*", "!", "%", "@", "`":
            throw error(
                "'\(first)' values (flow mappings, anchors, aliases, tags) are not supported",
                fix: "quote the value")
        default:
            var parts = [Self.withoutComment(Array(text))]
            index += 1
            while index < lines.count, Self.indentation(of: lines[index]) > 0,
                !Self.isBlankOrComment(lines[index])
            {
                if Self.keySeparator(in: lines[index]) != nil {
                    throw error("nested mappings are not supported", fix: "flatten nested keys into top-level keys")
                }
                parts.append(Self.withoutComment(Array(Self.trimmed(lines[index][...]))))
                index += 1
            }
            return .scalar(parts.map { String(String.UnicodeScalarView($0)) }.joined(separator: " "))
        }
    }

    /// Reads the value of a `key:` with nothing after it: a block list, a plain value on indented lines, or "".
    private mutating func valueOnFollowingLines() throws(FrontMatterError) -> FrontMatterValue {
        var lookahead = index
        while lookahead < lines.count, Self.isBlankOrComment(lines[lookahead]) { lookahead += 1 }
        guard lookahead < lines.count else { return .scalar("") }
        let next = lines[lookahead]
        if Self.isListItem(next) {
            index = lookahead
            return .list(try blockList(dashIndentation: Self.indentation(of: next)))
        }
        guard Self.indentation(of: next) > 0 else { return .scalar("") }
        index = lookahead
        if Self.keySeparator(in: next) != nil {
            throw error("nested mappings are not supported", fix: "flatten nested keys into top-level keys")
        }
        return try value(startingWith: next)
    }

    private mutating func blockList(dashIndentation: Int) throws(FrontMatterError) -> [String] {
        var items: [String] = []
        while index < lines.count {
            let line = lines[index]
            if Self.isBlankOrComment(line) {
                index += 1
                continue
            }
            guard Self.isListItem(line), Self.indentation(of: line) == dashIndentation else { break }
            let afterDash = Self.trimmed(line[(Self.indentation(of: line) + 1)...])
            if let first = afterDash.first, first == "\"" || first == "'" {
                let (value, remainder) = try quoted(startingAt: Array(afterDash))
                try expectNothingBut(remainder)
                items.append(value)
                continue
            }
            if afterDash.first == "[" || afterDash.first == "{" || afterDash.first == "-"
                || Self.keySeparator(in: Array(afterDash)) != nil
            {
                throw error("nested lists and mappings in a list are not supported", fix: "quote the item")
            }
            var parts = [Self.withoutComment(Array(afterDash))]
            index += 1
            while index < lines.count, Self.indentation(of: lines[index]) > dashIndentation,
                !Self.isBlankOrComment(lines[index]), !Self.isListItem(lines[index])
            {
                parts.append(Self.withoutComment(Array(Self.trimmed(lines[index][...]))))
                index += 1
            }
            items.append(parts.map { String(String.UnicodeScalarView($0)) }.joined(separator: " "))
        }
        return items
    }

    private mutating func flowList(_ text: [Unicode.Scalar]) throws(FrontMatterError) -> [String] {
        var items: [String] = []
        var position = 1
        var current: [Unicode.Scalar] = []
        func finishItem() {
            let item = Self.trimmed(current[...])
            if !item.isEmpty { items.append(String(String.UnicodeScalarView(item))) }
            current = []
        }
        while position < text.count {
            let scalar = text[position]
            if scalar == "]" {
                finishItem()
                try expectNothingBut(Array(text[(position + 1)...]))
                return items
            }
            if scalar == "," {
                finishItem()
                position += 1
                continue
            }
            if (scalar == "\"" || scalar == "'"), Self.trimmed(current[...]).isEmpty {
                let (value, remainder) = try quotedOnOneLine(Array(text[position...]))
                items.append(value)
                position = text.count - remainder.count
                continue
            }
            current.append(scalar)
            position += 1
        }
        throw error("list opened with '[' does not close on the same line", fix: "close the list with ']'")
    }

    /// Reads a `|` or `>` block: the following lines indented more than the key, trailing line breaks dropped.
    private mutating func blockScalar(isFolded: Bool) -> String {
        var block: [String] = []
        var blockIndentation: Int?
        while index < lines.count {
            let line = lines[index]
            if Self.trimmed(line[...]).isEmpty {
                block.append("")
                index += 1
                continue
            }
            let indentation = Self.indentation(of: line)
            guard indentation > 0, indentation >= (blockIndentation ?? indentation) else { break }
            if blockIndentation == nil { blockIndentation = indentation }
            block.append(String(String.UnicodeScalarView(line[(blockIndentation ?? 0)...])))
            index += 1
        }
        while block.last == "" { block.removeLast() }
        guard isFolded else { return block.joined(separator: "\n") }
        var folded = ""
        for line in block {
            if line.isEmpty {
                folded += "\n"
            } else {
                if !folded.isEmpty, folded.last != "\n" { folded += " " }
                folded += line
            }
        }
        return folded
    }

    /// Reads a quoted value that may continue over the following lines, folding line breaks as YAML does.
    ///
    /// - Returns: The value and what follows the closing quote on its line; `index` moves past that line.
    private mutating func quoted(
        startingAt text: [Unicode.Scalar]
    ) throws(FrontMatterError) -> (String, [Unicode.Scalar]) {
        let openingLine = lineNumber
        let quote = text[0]
        var value = String.UnicodeScalarView()
        var line = Array(text.dropFirst())
        var position = 0
        var pendingBreaks = 0
        var joinsWithoutBreak = false
        while true {
            joinsWithoutBreak = false
            while position < line.count {
                let scalar = line[position]
                if pendingBreaks > 0 {
                    if scalar == " " || scalar == "\t" {
                        position += 1
                        continue
                    }
                    while let last = value.last, last == " " || last == "\t" { value.removeLast() }
                    if pendingBreaks == 1 {
                        value.append(" ")
                    } else {
                        value.append(contentsOf: repeatElement("\n", count: pendingBreaks - 1))
                    }
                    pendingBreaks = 0
                }
                if scalar == quote {
                    if quote == "'", position + 1 < line.count, line[position + 1] == "'" {
                        value.append("'")
                        position += 2
                        continue
                    }
                    index += 1
                    return (String(value), Array(line[(position + 1)...]))
                }
                if quote == "\"", scalar == "\\" {
                    position += 1
                    guard position < line.count else {
                        // An escaped line break joins the lines without a space.
                        joinsWithoutBreak = true
                        break
                    }
                    value.append(contentsOf: try escape(in: line, at: &position).unicodeScalars)
                    continue
                }
                value.append(scalar)
                position += 1
            }
            index += 1
            guard index < lines.count else {
                index = openingLine - firstLineNumber
                throw error(
                    "quoted value opened here never closes", fix: "close the value with \(Character(quote))")
            }
            line = lines[index]
            position = 0
            if joinsWithoutBreak {
                while position < line.count, line[position] == " " || line[position] == "\t" { position += 1 }
            } else {
                pendingBreaks += 1
            }
        }
    }

    /// Reads a quoted value that must close on the same line (inside a flow list).
    private mutating func quotedOnOneLine(
        _ text: [Unicode.Scalar]
    ) throws(FrontMatterError) -> (String, [Unicode.Scalar]) {
        let quote = text[0]
        var value = String.UnicodeScalarView()
        var position = 1
        while position < text.count {
            let scalar = text[position]
            if scalar == quote {
                if quote == "'", position + 1 < text.count, text[position + 1] == "'" {
                    value.append("'")
                    position += 2
                    continue
                }
                return (String(value), Array(text[(position + 1)...]))
            }
            if quote == "\"", scalar == "\\", position + 1 < text.count {
                position += 1
                value.append(contentsOf: try escape(in: text, at: &position).unicodeScalars)
                continue
            }
            value.append(scalar)
            position += 1
        }
        throw error("quoted list item does not close on its line", fix: "close it with \(Character(quote))")
    }

    /// Decodes the escape whose letter is at `position`, and moves `position` past it.
    private func escape(in line: [Unicode.Scalar], at position: inout Int) throws(FrontMatterError) -> String {
        let letter = line[position]
        position += 1
        switch letter {
        case "n": return "\n"
        case "t", "\t": return "\t"
        case "r": return "\r"
        case "0": return "\0"
        case "\"": return "\""
        case "\\": return "\\"
        case "/": return "/"
        case " ": return " "
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "e": return "\u{1B}"
        case "f": return "\u{0C}"
        case "v": return "\u{0B}"
        case "N": return "\u{85}"
        case "_": return "\u{A0}"
        case "L": return "\u{2028}"
        case "P": return "\u{2029}"
        case "x", "u", "U":
            let length = letter == "x" ? 2 : letter == "u" ? 4 : 8
            guard position + length <= line.count,
                let code = UInt32(String(String.UnicodeScalarView(line[position..<(position + length)])), radix: 16),
                let scalar = Unicode.Scalar(code)
            else {
                throw error("invalid \\\(letter) escape", fix: "write \\\(letter) with \(length) hexadecimal digits")
            }
            position += length
            return String(Character(scalar))
        default:
            throw error("unknown escape '\\\(letter)'", fix: "write a backslash as '\\\\'")
        }
    }

    private func expectNothingBut(_ remainder: [Unicode.Scalar]) throws(FrontMatterError) {
        let rest = Self.trimmed(remainder[...])
        guard rest.isEmpty || rest.first == "#" else {
            // `index` has moved past the line that holds the closing quote.
            var copy = self
            copy.index -= 1
            throw copy.error("unexpected text after the closing quote", fix: "quote the whole value")
        }
    }

    private func error(_ reason: String, fix: String?) -> FrontMatterError {
        FrontMatterError(line: lineNumber, reason: reason, fix: fix)
    }

    // MARK: Line helpers

    private static func indentation(of line: [Unicode.Scalar]) -> Int {
        line.prefix { $0 == " " || $0 == "\t" }.count
    }

    private static func isBlankOrComment(_ line: [Unicode.Scalar]) -> Bool {
        let text = trimmed(line[...])
        return text.isEmpty || text.first == "#"
    }

    private static func isListItem(_ line: [Unicode.Scalar]) -> Bool {
        let text = trimmed(line[...])
        return text.first == "-" && (text.count == 1 || text[text.startIndex + 1] == " ")
    }

    /// The position of the `:` that ends a top-level key: the first one followed by a space or the line's end,
    /// outside a quoted key.
    private static func keySeparator(in line: [Unicode.Scalar]) -> Int? {
        var position = indentation(of: line)
        if position < line.count, line[position] == "\"" || line[position] == "'" {
            let quote = line[position]
            position += 1
            while position < line.count, line[position] != quote { position += 1 }
        }
        while position < line.count {
            if line[position] == ":",
                position + 1 == line.count || line[position + 1] == " "
                    || line[position + 1] == "\t"
            {
                return position == indentation(of: line) ? nil : position
            }
            if line[position] == " ", position + 1 < line.count, line[position + 1] == "#" { return nil }
            position += 1
        }
        return nil
    }

    private static func unquotedKey(_ key: String) -> String {
        let trimmedKey = key.trimmingBlanks()
        if trimmedKey.count >= 2, let first = trimmedKey.first, first == "\"" || first == "'",
            trimmedKey.last == first
        {
            return String(trimmedKey.dropFirst().dropLast())
        }
        return trimmedKey
    }

    /// Removes a ` #` comment from a plain value, and the whitespace around what remains.
    private static func withoutComment(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var end = text.count
        for position in text.indices where text[position] == "#" {
            if position == 0 || text[position - 1] == " " || text[position - 1] == "\t" {
                end = position
                break
            }
        }
        return Array(trimmed(text[..<end]))
    }

    static func trimmed(_ text: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        var slice = text
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice.removeLast() }
        return slice
    }
}

extension String {
    fileprivate func trimmingBlanks() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
