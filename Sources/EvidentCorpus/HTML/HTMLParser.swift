/// A forgiving HTML parser of our own: it turns a page into a tree of ``XMLElement``s the way browsers read real
/// pages — unquoted attributes, void elements (`<br>`, `<img>`), end tags left out (`<p>` and `<li>` close when the
/// next one opens), stray end tags ignored, `<script>` and `<style>` read as raw text and dropped, comments and
/// doctypes passed over, character references decoded. It never fails: whatever the bytes, it gives a tree.
///
/// Element names are lowercased; attribute names too.
enum HTMLParser {
    /// Elements that never have content.
    static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
        "wbr",
    ]
    /// Elements whose content is raw text up to their end tag, and is not part of the page's prose.
    static let rawTextElements: Set<String> = ["script", "style", "textarea", "noscript", "template", "svg", "math"]
    /// Elements that close an open `<p>` when they start.
    static let closesParagraph: Set<String> = [
        "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre",
        "section", "table", "ul",
    ]

    /// The tree of `bytes`, under a root element named `#document`.
    static func parse(_ bytes: [UInt8]) -> XMLElement {
        var builder = TreeBuilder()
        var index = 0
        var textStart = 0
        func flushText(upTo end: Int) {
            if end > textStart {
                builder.appendText(CharacterReference.decoding(bytes[textStart..<end]))
            }
        }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<"), index + 1 < bytes.count else {
                index += 1
                continue
            }
            let next = bytes[index + 1]
            if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                flushText(upTo: index)
                if starts(bytes, at: index, with: "<!--") {
                    index = (find(bytes, "-->", from: index + 4) ?? bytes.count - 3) + 3
                } else {
                    index = (bytes[index...].firstIndex(of: UInt8(ascii: ">")) ?? bytes.count - 1) + 1
                }
                textStart = index
                continue
            }
            let isEnd = next == UInt8(ascii: "/")
            let nameStart = isEnd ? index + 2 : index + 1
            guard nameStart < bytes.count, isLetter(bytes[nameStart]) else {
                index += 1  // a "<" in text ("a < b")
                continue
            }
            flushText(upTo: index)
            var cursor = nameStart
            while cursor < bytes.count && !isSpace(bytes[cursor]) && bytes[cursor] != UInt8(ascii: ">")
                && bytes[cursor] != UInt8(ascii: "/")
            {
                cursor += 1
            }
            let name = String(decoding: bytes[nameStart..<cursor], as: UTF8.self).lowercased()
            var attributes: [String: String] = [:]
            var selfClosing = false
            // Attributes, up to the tag's ">".
            while cursor < bytes.count && bytes[cursor] != UInt8(ascii: ">") {
                if isSpace(bytes[cursor]) {
                    cursor += 1
                    continue
                }
                if bytes[cursor] == UInt8(ascii: "/") {
                    selfClosing = true
                    cursor += 1
                    continue
                }
                let attributeStart = cursor
                while cursor < bytes.count && !isSpace(bytes[cursor]) && bytes[cursor] != UInt8(ascii: "=")
                    && bytes[cursor] != UInt8(ascii: ">")
                {
                    cursor += 1
                }
                let attribute = String(decoding: bytes[attributeStart..<cursor], as: UTF8.self).lowercased()
                while cursor < bytes.count && isSpace(bytes[cursor]) { cursor += 1 }
                var value = ""
                if cursor < bytes.count && bytes[cursor] == UInt8(ascii: "=") {
                    cursor += 1
                    while cursor < bytes.count && isSpace(bytes[cursor]) { cursor += 1 }
                    if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'") {
                        let quote = bytes[cursor]
                        let valueStart = cursor + 1
                        cursor = bytes[valueStart...].firstIndex(of: quote) ?? bytes.count
                        value = CharacterReference.decoding(bytes[valueStart..<cursor])
                        cursor = min(cursor + 1, bytes.count)
                    } else {
                        let valueStart = cursor
                        while cursor < bytes.count && !isSpace(bytes[cursor]) && bytes[cursor] != UInt8(ascii: ">") {
                            cursor += 1
                        }
                        value = CharacterReference.decoding(bytes[valueStart..<cursor])
                    }
                }
                if !attribute.isEmpty && attributes[attribute] == nil { attributes[attribute] = value }
            }
            index = min(cursor + 1, bytes.count)
            textStart = index
            if isEnd {
                builder.close(name)
            } else if rawTextElements.contains(name) {
                // Raw text: skip to the end tag, keeping nothing of it.
                let closing = find(bytes, "</" + name, from: index, caseInsensitive: true)
                index =
                    closing.map { end in (bytes[end...].firstIndex(of: UInt8(ascii: ">")) ?? bytes.count - 1) + 1 }
                    ?? bytes.count
                textStart = index
                builder.appendEmpty(name, attributes: attributes)
            } else {
                builder.open(name, attributes: attributes)
                if selfClosing || voidElements.contains(name) { builder.close(name) }
            }
        }
        flushText(upTo: bytes.count)
        return builder.finish()
    }

    /// The open elements and the rules that close them.
    private struct TreeBuilder {
        var stack = [XMLElement(name: "#document")]

        mutating func appendText(_ text: String) {
            stack[stack.count - 1].children.append(.text(text))
        }

        mutating func appendEmpty(_ name: String, attributes: [String: String]) {
            stack[stack.count - 1].children.append(.element(XMLElement(name: name, attributes: attributes)))
        }

        mutating func open(_ name: String, attributes: [String: String]) {
            if HTMLParser.closesParagraph.contains(name) { closeIfOpen("p", within: ["button"]) }
            switch name {
            case "li": closeIfOpen("li", within: ["ul", "ol", "menu"])
            case "dt", "dd":
                closeIfOpen("dt", within: ["dl"])
                closeIfOpen("dd", within: ["dl"])
            case "tr": closeIfOpen("tr", within: ["table", "thead", "tbody", "tfoot"])
            case "td", "th":
                closeIfOpen("td", within: ["tr", "table"])
                closeIfOpen("th", within: ["tr", "table"])
            case "option": closeIfOpen("option", within: ["select", "datalist"])
            default: break
            }
            stack.append(XMLElement(name: name, attributes: attributes))
        }

        /// Closes `name` and everything opened inside it, when it is open; a stray end tag is ignored.
        mutating func close(_ name: String) {
            guard let position = stack.lastIndex(where: { $0.name == name }), position > 0 else { return }
            while stack.count > position { pop() }
        }

        /// Closes an open `name` unless one of `boundaries` (a list holding a nested list) opened after it.
        private mutating func closeIfOpen(_ name: String, within boundaries: Set<String>) {
            for position in stride(from: stack.count - 1, to: 0, by: -1) {
                if stack[position].name == name {
                    while stack.count > position { pop() }
                    return
                }
                if boundaries.contains(stack[position].name) { return }
            }
        }

        private mutating func pop() {
            let element = stack.removeLast()
            stack[stack.count - 1].children.append(.element(element))
        }

        mutating func finish() -> XMLElement {
            while stack.count > 1 { pop() }
            return stack[0]
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool { isXMLSpace(byte) || byte == 0x0C }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    private static func starts(_ bytes: [UInt8], at index: Int, with prefix: String) -> Bool {
        bytes[index...].starts(with: prefix.utf8)
    }

    private static func find(_ bytes: [UInt8], _ needle: String, from start: Int, caseInsensitive: Bool = false)
        -> Int?
    {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return nil }
        var index = start
        while index <= bytes.count - pattern.count {
            var matches = true
            for offset in 0..<pattern.count {
                let byte = bytes[index + offset]
                let expected = pattern[offset]
                if byte != expected && !(caseInsensitive && isLetter(byte) && byte | 0x20 == expected | 0x20) {
                    matches = false
                    break
                }
            }
            if matches { return index }
            index += 1
        }
        return nil
    }
}
