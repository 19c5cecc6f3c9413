/// Builds a document from a Markdown file: front matter, title and body range.
enum MarkdownDocumentParser {
    /// Why a Markdown file cannot be read.
    struct Failure: Error {
        var kind: CorpusIssue.Kind
        var line: Int
        var reason: String
        var fix: String?
    }

    /// Parses a Markdown file already checked to be valid UTF-8.
    ///
    /// - Parameters:
    ///   - id: The document identifier.
    ///   - source: The file's text.
    ///   - bytes: The file's UTF-8 bytes (the same text).
    ///   - fileStem: The file name without its extension, the title of last resort.
    /// - Returns: The document, with its front matter fields and body range.
    /// - Throws: ``Failure`` when front matter never closes or falls outside the subset read.
    static func document(id: String, source: String, bytes: [UInt8], fileStem: String) throws -> Document {
        let lines = lineRanges(of: bytes)
        var entries: [(key: String, value: FrontMatterValue)] = []
        var bodyStart = 0  // a byte offset
        if let first = lines.first, isFence(bytes[first], allowingByteOrderMark: true) {
            let closingLine = lines.dropFirst().firstIndex { isFence(bytes[$0], allowingByteOrderMark: false) }
            guard let closing = closingLine else {
                throw Failure(
                    kind: .unclosedFrontMatter, line: 1, reason: "front matter opened on line 1 never closes",
                    fix: "add a line '---' after the front matter")
            }
            let frontMatterLines = lines[1..<closing].map { range in
                Substring(decoding: bytes[range], as: UTF8.self)
            }
            do {
                entries = try FrontMatterParser.parse(lines: frontMatterLines, firstLineNumber: 2)
            } catch {
                throw Failure(kind: .malformedFrontMatter, line: error.line, reason: error.reason, fix: error.fix)
            }
            bodyStart = closing + 1 < lines.count ? lines[closing + 1].lowerBound : bytes.count
        }
        var title = ""
        var url: String?
        var metadata: [String: String] = [:]
        for (key, value) in entries {
            switch key {
            case "title": title = value.joined.trimmingBlanksAndNewlines()
            case "url": url = value.joined.isEmpty ? nil : value.joined
            default: metadata[key] = value.joined
            }
        }
        if title.isEmpty { title = firstHeading(in: bytes, lines: lines, from: bodyStart) ?? fileStem }
        let bodyStartScalar = scalarCount(of: bytes[..<bodyStart])
        let scalarTotal = bodyStartScalar + scalarCount(of: bytes[bodyStart...])
        return Document(
            id: id, title: title, url: url, metadata: metadata, source: source,
            bodyRange: bodyStartScalar..<scalarTotal, format: .markdown)
    }

    /// The byte ranges of the lines, each including its `\n` (the last line may have none).
    static func lineRanges(of bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    /// Whether a line is `---` (or `...` when closing), ignoring trailing spaces and line terminators.
    private static func isFence(_ line: ArraySlice<UInt8>, allowingByteOrderMark: Bool) -> Bool {
        var content = line
        if allowingByteOrderMark, content.starts(with: [0xEF, 0xBB, 0xBF]) { content = content.dropFirst(3) }
        while let last = content.last, last == 0x0A || last == 0x0D || last == 0x20 || last == 0x09 {
            content = content.dropLast()
        }
        return content.elementsEqual("---".utf8) || (!allowingByteOrderMark && content.elementsEqual("...".utf8))
    }

    /// The text of the first non-empty level-one ATX heading (`# Title`) outside code fences.
    private static func firstHeading(in bytes: [UInt8], lines: [Range<Int>], from bodyStart: Int) -> String? {
        var fence: String?
        for range in lines where range.lowerBound >= bodyStart {
            let line = String(decoding: bytes[range], as: UTF8.self)
            let indentation = line.prefix { $0 == " " }.count
            guard indentation <= 3 else { continue }
            let text = line.dropFirst(indentation)
            if text.hasPrefix("```") || text.hasPrefix("~~~") {
                let marker = String(text.prefix(3))
                if fence == nil { fence = marker } else if fence == marker { fence = nil }
                continue
            }
            guard fence == nil, text.hasPrefix("#") else { continue }
            let afterHash = text.dropFirst()
            guard let next = afterHash.first, next == " " || next == "\t" || next.isNewline else { continue }
            var heading = String(afterHash).trimmingBlanksAndNewlines()
            // A closing sequence of #s is not part of the heading.
            if heading.hasSuffix("#") {
                let withoutClosing = heading.reversed().drop { $0 == "#" }
                if withoutClosing.isEmpty || withoutClosing.first == " " || withoutClosing.first == "\t" {
                    heading = String(withoutClosing.reversed()).trimmingBlanksAndNewlines()
                }
            }
            if !heading.isEmpty { return heading }
        }
        return nil
    }

    /// The number of Unicode scalars in valid UTF-8: the bytes that are not continuation bytes.
    static func scalarCount(of bytes: ArraySlice<UInt8>) -> Int {
        var count = 0
        for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingBlanksAndNewlines() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first.isNewline { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" || last.isNewline { slice.removeLast() }
        return String(slice)
    }
}
