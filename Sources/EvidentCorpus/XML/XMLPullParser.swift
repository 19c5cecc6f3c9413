/// One event of an XML document, in document order.
package enum XMLEvent: Equatable, Sendable {
    /// An element opens; an empty element (`<br/>`) gives `start` and then `end`.
    case start(name: String, attributes: [String: String])
    /// An element closes.
    case end(name: String)
    /// Character data, entity and character references decoded, CDATA sections as they are. One run of text may
    /// come as several events (around a comment or a CDATA section).
    case text(String)
}

/// Why an XML file cannot be read, and where: the line and column (both from 1, columns in bytes) of the markup
/// at fault.
package struct XMLParseError: Error, Equatable, Sendable {
    package var line: Int
    package var column: Int
    package var reason: String
}

/// Where a parser gets its bytes: the whole file at once, or one piece after another (a file read in chunks, a gzip
/// stream inflated as it is read), so that a large file is never all in memory.
package protocol ByteChunkSource {
    /// The next bytes, or `nil` at the end. A failure's line and column are left at 0: the parser fills in where
    /// it had read to.
    mutating func nextChunk() throws(XMLParseError) -> [UInt8]?
}

/// All the bytes in one chunk.
package struct WholeBytes: ByteChunkSource {
    private var bytes: [UInt8]?

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    package mutating func nextChunk() throws(XMLParseError) -> [UInt8]? {
        defer { bytes = nil }
        return bytes
    }
}

/// A streaming, non-validating XML parser: it reads elements, attributes, text, CDATA sections and the five
/// predefined and numeric character references, passes over comments, processing instructions and the document type
/// declaration, and checks what makes a file well-formed — every tag closed in order, one root element, no text
/// outside it — so that a truncated or damaged file is an error with its line and column rather than a silent
/// half-read.
///
/// Named entities that a DTD would define (`&nbsp;`, `&ndash;` in some JATS files) are decoded from the common HTML
/// set; an unknown one is kept as written. The encoding must be UTF-8 (or its ASCII subset), as PubMed's and PMC's
/// files are; another declared encoding is an error that says so.
///
/// The parser holds only the bytes of the markup it is reading and its stack of open elements: memory does not grow
/// with the file.
package struct XMLPullParser<Source: ByteChunkSource> {
    private var source: Source
    private var buffer: [UInt8] = []
    private var position = 0
    private var isSourceDone = false
    /// Line and column of `buffer[position]`.
    private var line = 1
    private var column = 1
    /// Open elements, innermost last, with the line each opened on.
    private var openElements: [(name: String, line: Int)] = []
    private var hasSeenRoot = false
    private var hasCheckedStart = false
    private var pendingEnd: String?

    /// Creates a parser that reads from `source`.
    package init(source: Source) {
        self.source = source
    }

    /// The open elements, outermost first.
    package var path: [String] { openElements.map(\.name) }

    /// The line (from 1) the parser has read to.
    package var currentLine: Int { line }

    /// The line of the last start tag returned.
    package private(set) var startTagLine = 1

    /// The next event, or `nil` at the end of a well-formed document.
    ///
    /// - Throws: ``XMLParseError`` at the first thing that is not well-formed XML, or when the source fails.
    package mutating func next() throws(XMLParseError) -> XMLEvent? {
        if let name = pendingEnd {
            pendingEnd = nil
            return closeElement(name)
        }
        if !hasCheckedStart {
            hasCheckedStart = true
            if try startsWith("\u{FEFF}") { position += 3 }  // a UTF-8 byte order mark
            if try ensure(2),
                buffer[position] == 0xFF && buffer[position + 1] == 0xFE
                    || buffer[position] == 0xFE && buffer[position + 1] == 0xFF
            {
                throw error("the file is UTF-16; Evident reads UTF-8 XML only (convert it, for example with iconv)")
            }
        }
        while true {
            guard try ensure(1) else {
                if let open = openElements.last {
                    throw error("the file ends inside <\(open.name)> opened on line \(open.line) (is it truncated?)")
                }
                guard hasSeenRoot else { throw error("the file holds no XML element") }
                return nil
            }
            if buffer[position] != UInt8(ascii: "<") {
                let text = try readText()
                if openElements.isEmpty {
                    guard text.utf8.allSatisfy(isXMLSpace) else {
                        throw error("text outside the root element")
                    }
                    continue
                }
                return .text(text)
            }
            guard try ensure(2) else { throw error("the file ends inside a tag") }
            switch buffer[position + 1] {
            case UInt8(ascii: "/"):
                return try readEndTag()
            case UInt8(ascii: "?"):
                try readProcessingInstruction()
            case UInt8(ascii: "!"):
                if try startsWith("<!--") {
                    try skip(through: "-->", what: "comment")
                } else if try startsWith("<![CDATA[") {
                    guard !openElements.isEmpty else { throw error("a CDATA section outside the root element") }
                    let startLine = line
                    advance(by: 9)
                    guard let end = try find("]]>") else {
                        throw error("the CDATA section opened on line \(startLine) never closes")
                    }
                    let text = String(decoding: buffer[position..<end], as: UTF8.self)
                    advance(by: end - position + 3)
                    return .text(text)
                } else if try startsWith("<!DOCTYPE") {
                    try skipDoctype()
                } else {
                    throw error("'<!' begins neither a comment, a CDATA section nor a DOCTYPE")
                }
            default:
                return try readStartTag()
            }
        }
    }

    // MARK: Tags

    private mutating func readStartTag() throws(XMLParseError) -> XMLEvent {
        let tagLine = line
        guard let end = try tagEnd() else { throw error("the tag opened on line \(tagLine) never closes") }
        var cursor = position + 1
        let name = try readName(at: &cursor, limit: end, what: "element")
        var attributes: [String: String] = [:]
        var isEmpty = false
        while cursor < end {
            let byte = buffer[cursor]
            if isXMLSpace(byte) {
                cursor += 1
            } else if byte == UInt8(ascii: "/") && cursor == end - 1 {
                isEmpty = true
                cursor += 1
            } else {
                let attribute = try readName(at: &cursor, limit: end, what: "attribute")
                while cursor < end && isXMLSpace(buffer[cursor]) { cursor += 1 }
                guard cursor < end, buffer[cursor] == UInt8(ascii: "=") else {
                    throw error("attribute '\(attribute)' of <\(name)> has no value", at: cursor)
                }
                cursor += 1
                while cursor < end && isXMLSpace(buffer[cursor]) { cursor += 1 }
                guard cursor < end, buffer[cursor] == UInt8(ascii: "\"") || buffer[cursor] == UInt8(ascii: "'")
                else {
                    throw error("the value of attribute '\(attribute)' of <\(name)> is not quoted", at: cursor)
                }
                let quote = buffer[cursor]
                let valueStart = cursor + 1
                var valueEnd = valueStart
                while valueEnd < end && buffer[valueEnd] != quote { valueEnd += 1 }
                guard valueEnd < end else {
                    throw error("the value of attribute '\(attribute)' of <\(name)> never closes", at: cursor)
                }
                attributes[attribute] = CharacterReference.decoding(buffer[valueStart..<valueEnd])
                cursor = valueEnd + 1
            }
        }
        if openElements.isEmpty {
            guard !hasSeenRoot else { throw error("a second root element <\(name)>") }
            hasSeenRoot = true
        }
        advance(by: end + 1 - position)
        openElements.append((name, tagLine))
        startTagLine = tagLine
        if isEmpty { pendingEnd = name }
        return .start(name: name, attributes: attributes)
    }

    private mutating func readEndTag() throws(XMLParseError) -> XMLEvent {
        let tagLine = line
        guard let end = try tagEnd() else { throw error("the closing tag on line \(tagLine) never closes") }
        var cursor = position + 2
        let name = try readName(at: &cursor, limit: end, what: "element")
        while cursor < end && isXMLSpace(buffer[cursor]) { cursor += 1 }
        guard cursor == end else { throw error("the closing tag </\(name)> holds more than its name", at: cursor) }
        guard let open = openElements.last else { throw error("</\(name)> closes no open element") }
        guard open.name == name else {
            throw error("</\(name)> does not close <\(open.name)> opened on line \(open.line)")
        }
        advance(by: end + 1 - position)
        return closeElement(name)
    }

    private mutating func closeElement(_ name: String) -> XMLEvent {
        openElements.removeLast()
        return .end(name: name)
    }

    /// The offset of the `>` that ends the tag at `position`, quotes in attribute values passed over; `nil` when the
    /// input ends first.
    private mutating func tagEnd() throws(XMLParseError) -> Int? {
        var cursor = position + 1
        var quote: UInt8?
        while true {
            if cursor >= buffer.count {
                let offset = cursor - position
                guard try ensure(offset + 1) else { return nil }
                cursor = position + offset
            }
            let byte = buffer[cursor]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: ">") {
                return cursor
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "<") {
                throw error("'<' inside a tag (a tag left unclosed?)", at: cursor)
            }
            cursor += 1
        }
    }

    private func readName(at cursor: inout Int, limit: Int, what: String) throws(XMLParseError) -> String {
        let start = cursor
        while cursor < limit {
            let byte = buffer[cursor]
            if isXMLSpace(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=") { break }
            cursor += 1
        }
        guard cursor > start, Self.canStartName(buffer[start]) else {
            throw error("an \(what) name is missing or starts with a character names cannot start with", at: start)
        }
        return String(decoding: buffer[start..<cursor], as: UTF8.self)
    }

    // MARK: Other markup

    private mutating func readProcessingInstruction() throws(XMLParseError) {
        let startLine = line
        guard let end = try find("?>") else {
            throw error("the processing instruction opened on line \(startLine) never closes")
        }
        let body = String(decoding: buffer[position + 2..<end], as: UTF8.self)
        if body.hasPrefix("xml"), let encoding = Self.declaredEncoding(in: body) {
            let name = encoding.lowercased()
            guard name == "utf-8" || name == "utf8" || name == "us-ascii" || name == "ascii" else {
                throw error("the file declares the encoding \(encoding); Evident reads UTF-8 XML only")
            }
        }
        advance(by: end + 2 - position)
    }

    /// The value of `encoding="…"` in an XML declaration's body.
    private static func declaredEncoding(in declaration: String) -> String? {
        let words = declaration.split(separator: "encoding", maxSplits: 1, omittingEmptySubsequences: false)
        guard words.count == 2 else { return nil }
        let rest = words[1].drop { $0 == " " || $0 == "=" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        return String(rest.dropFirst().prefix { $0 != quote })
    }

    /// Passes over `<!DOCTYPE …>`, with an internal subset in brackets and quoted strings inside it.
    private mutating func skipDoctype() throws(XMLParseError) {
        let startLine = line
        var cursor = position + 9
        var depth = 0
        var quote: UInt8?
        while true {
            if cursor >= buffer.count {
                let offset = cursor - position
                guard try ensure(offset + 1) else {
                    throw error("the DOCTYPE opened on line \(startLine) never closes")
                }
                cursor = position + offset
            }
            let byte = buffer[cursor]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "]") {
                depth -= 1
            } else if byte == UInt8(ascii: ">") && depth <= 0 {
                advance(by: cursor + 1 - position)
                return
            }
            cursor += 1
        }
    }

    private mutating func skip(through terminator: StaticString, what: String) throws(XMLParseError) {
        let startLine = line
        guard let end = try find(terminator, from: 4) else {
            throw error("the \(what) opened on line \(startLine) never closes")
        }
        advance(by: end + terminator.utf8CodeUnitCount - position)
    }

    // MARK: Text

    /// The text from `position` up to the next `<` or the end of the input, references decoded.
    private mutating func readText() throws(XMLParseError) -> String {
        var cursor = position
        while true {
            while cursor < buffer.count && buffer[cursor] != UInt8(ascii: "<") { cursor += 1 }
            if cursor < buffer.count { break }
            let offset = cursor - position
            guard try ensure(offset + 1) else { break }
            cursor = position + offset
        }
        let text = CharacterReference.decoding(buffer[position..<cursor])
        advance(by: cursor - position)
        return text
    }

    // MARK: Buffer

    /// Makes at least `count` bytes available from `position`; `false` when the input ends first.
    private mutating func ensure(_ count: Int) throws(XMLParseError) -> Bool {
        while buffer.count - position < count {
            guard !isSourceDone else { return false }
            let next: [UInt8]?
            do {
                next = try source.nextChunk()
            } catch {
                throw self.error(error.reason)
            }
            guard let chunk = next else {
                isSourceDone = true
                return false
            }
            if position > 0 {
                buffer.removeSubrange(0..<position)
                position = 0
            }
            buffer.append(contentsOf: chunk)
        }
        return true
    }

    private mutating func startsWith(_ prefix: StaticString) throws(XMLParseError) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard try ensure(count) else { return false }
        return prefix.withUTF8Buffer { expected in
            buffer[position..<position + count].elementsEqual(expected)
        }
    }

    /// The offset of the next `terminator` at or after `position + skipping`, reading more input as needed.
    private mutating func find(_ terminator: StaticString, from skipping: Int = 0) throws(XMLParseError) -> Int? {
        let pattern = terminator.withUTF8Buffer { Array($0) }
        var offset = skipping
        while true {
            guard try ensure(offset + pattern.count) else { return nil }
            var cursor = position + offset
            let last = buffer.count - pattern.count
            while cursor <= last {
                if buffer[cursor] == pattern[0] && buffer[cursor..<cursor + pattern.count].elementsEqual(pattern) {
                    return cursor
                }
                cursor += 1
            }
            offset = cursor - position
        }
    }

    /// Moves past `count` bytes, counting the lines and columns they hold.
    private mutating func advance(by count: Int) {
        let end = position + count
        var cursor = position
        while cursor < end {
            let byte = buffer[cursor]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            cursor += 1
        }
        position = end
    }

    private func error(_ reason: String, at offset: Int? = nil) -> XMLParseError {
        var column = self.column
        if let offset, offset > position {
            for byte in buffer[position..<offset] where byte & 0xC0 != 0x80 { column += 1 }
        }
        return XMLParseError(line: line, column: column, reason: reason)
    }

    private static func canStartName(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte >= 0x80
    }
}

/// Whether `byte` is XML white space: space, tab, line feed or carriage return.
package func isXMLSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
}
