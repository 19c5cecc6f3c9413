import EvidentCorpus
import Foundation

/// Turns a PDF's lines into a document: headers and footers out, headings found, lines joined into paragraphs
/// (across page breaks too), hyphenated words mended, and every page's range and word's box recorded.
struct PDFLayout {
    let content: PDFContent
    /// The outline's entries that name headings (a word processor's hidden bookmarks, "_Hlk…", left out), each at
    /// the depth its section number gives ("3.5 Equity": 2), else at its depth in the outline.
    let outline: [(title: String, depth: Int)]

    init(content: PDFContent) {
        self.content = content
        outline = content.outline.compactMap { entry in
            let title = entry.title.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !title.isEmpty, !title.hasPrefix("_") else { return nil }
            return (title, Self.numberingDepth(title) ?? entry.depth)
        }
    }

    /// A short line that repeats on this share of pages (and on at least 3) is a running header or footer; 0.3
    /// because running heads alternate between even and odd pages.
    static let runningShare = 0.3
    /// A line at least this much larger than the body text, short and not ending a sentence, is a heading.
    static let headingScale = 1.15
    /// Fewer visible characters a page than this, on average, and the PDF has no text layer (a scan).
    static let scannedCharactersPerPage = 25

    func document(id: String, fileStem: String, file: String) throws -> Document {
        let pageCount = content.lines.count
        let visible = content.lines.joined().reduce(0) { $0 + $1.characters.count }
        guard pageCount > 0 else {
            throw CorpusIssue(
                .unreadable, file: file, reason: "the PDF has no pages that can be read (is it truncated?)",
                fix: "re-download the file; a damaged PDF cannot be read")
        }
        guard visible >= Self.scannedCharactersPerPage * pageCount else {
            throw CorpusIssue(
                .empty, file: file,
                reason: "the PDF has no text layer (\(visible) characters on \(pageCount) pages: a scan?)",
                fix: "run OCR on it first (for example ocrmypdf) and index the result")
        }
        // Running heads, page numbers and line numbers go first, so that none is taken for a table's cell.
        let lines = withoutRunningLines(content.lines).map(Self.withoutLineNumbers)
            .map { PDFContent.joiningTableRows(PDFContent.attachingListMarkers($0)) }
        let bodySize = Self.bodyFontSize(of: lines)
        let headingLevels = headingLevels(lines, bodySize: bodySize)
        let title = documentTitle(lines: lines, fileStem: fileStem)

        var text = ExtractedText()
        text.appendTitle(title)
        var headings: [(level: Int, text: String)] = []
        var paragraph = ParagraphBuilder()
        var words: [WordBox] = []
        var pageStarts: [Int: Int] = [:]
        var pageEnds: [Int: Int] = [:]
        var openPath: [String]?
        func flush() {
            guard !paragraph.isEmpty else { return }
            let path = headings.map(\.text)
            if openPath != path {
                text.startSection(path: path)
                openPath = path
            }
            let start = text.scalarCount
            let written = paragraph.finish()
            text.appendParagraph(written.text)
            for word in written.words {
                words.append(
                    WordBox(
                        range: start + word.range.lowerBound..<start + word.range.upperBound, page: word.page,
                        x: Float(word.box.x1), y: Float(word.box.y1), width: Float(word.box.x2 - word.box.x1),
                        height: Float(word.box.y2 - word.box.y1)))
            }
            for (page, range) in written.pages {
                pageStarts[page] = min(pageStarts[page] ?? .max, start + range.lowerBound)
                pageEnds[page] = max(pageEnds[page] ?? 0, start + range.upperBound)
            }
            paragraph = ParagraphBuilder()
        }
        var previous: PDFLine?
        // The rest of an outline title whose first line was just read ("3. Evidence and" / "recommendations").
        var headingRemainder: String?
        let titleKey = Self.normalized(title)
        for pageLines in lines {
            for line in pageLines {
                let lineText = line.text.trimmingCharacters(in: .whitespaces)
                let key = Self.normalized(lineText)
                if let remainder = headingRemainder, paragraph.isEmpty, !headings.isEmpty, remainder.hasPrefix(key) {
                    headings[headings.count - 1].text += " " + lineText
                    let rest = String(remainder.dropFirst(key.count))
                    headingRemainder = rest.isEmpty ? nil : rest
                    previous = line
                    continue
                }
                headingRemainder = nil
                // A heading's second line, set like the first and going on in lowercase ("… diagnosed" / "with HIV").
                if let last = previous, last.page == line.page, paragraph.isEmpty, !headings.isEmpty,
                    headingLevels[Self.normalized(last.text)] != nil, headingLevels[key] == nil,
                    line.fontSize == last.fontSize, line.isBold == last.isBold, Self.canBeHeading(lineText),
                    lineText.first?.isLowercase == true
                {
                    headings[headings.count - 1].text += " " + lineText
                    previous = line
                    continue
                }
                if headings.isEmpty, paragraph.isEmpty, key.count >= 4, titleKey.contains(key) {
                    previous = line
                    continue  // the title again, as the first page's lines
                }
                if headingLevels[key] == nil, let (title, depth) = outlineTitle(startingWith: key) {
                    flush()
                    while let top = headings.last, top.level >= depth { headings.removeLast() }
                    headings.append((depth, lineText))
                    headingRemainder = String(title.dropFirst(key.count))
                    previous = line
                    continue
                }
                if let level = headingLevels[key] {
                    // A heading continued on the next line ("Treatment of" / "advanced disease") joins it.
                    if let last = previous, headingLevels[Self.normalized(last.text)] == level, paragraph.isEmpty,
                        let top = headings.last, top.level == level, last.page == line.page
                    {
                        headings[headings.count - 1].text += " " + lineText
                    } else {
                        flush()
                        while let top = headings.last, top.level >= level { headings.removeLast() }
                        headings.append((level, lineText))
                    }
                    previous = line
                    continue
                }
                if let last = previous, paragraph.isEmpty == false,
                    line.isTableRow || last.isTableRow || Self.breaksParagraph(after: last, before: line)
                {
                    flush()
                }
                paragraph.append(line)
                previous = line
            }
        }
        flush()
        text.closeSection()
        var pages: [DocumentPage] = []
        for number in 1...pageCount {
            guard let start = pageStarts[number], let end = pageEnds[number] else { continue }
            pages.append(DocumentPage(number: number, label: content.labels[number - 1], range: start..<end))
        }
        return Document(
            id: id, title: title, metadata: ["pages": String(pageCount)], source: text.source,
            bodyRange: text.bodyStart..<text.source.unicodeScalars.count, format: .pdf, sections: text.sections,
            pages: pages, words: words)
    }

    /// The outline entry whose title starts with `key` (a line holding the first words of a title that runs over
    /// two lines), when the line is at least two words and a third of the title.
    func outlineTitle(startingWith key: String) -> (title: String, depth: Int)? {
        guard key.count >= 6 else { return nil }
        for entry in outline {
            let title = Self.normalized(entry.title)
            if title.count > key.count, title.hasPrefix(key), key.count * 3 >= title.count {
                return (title, entry.depth)
            }
        }
        return nil
    }

    // MARK: Running headers and footers

    /// The lines without running headers and footers — short lines that repeat, digits aside, on many pages
    /// (wherever poppler's reading order puts them) — and bare page numbers among a page's first and last two
    /// lines.
    func withoutRunningLines(_ pages: [[PDFLine]]) -> [[PDFLine]] {
        var pagesOfLine: [String: Int] = [:]
        for lines in pages {
            var seen = Set<String>()
            for line in lines where line.characters.count <= 160 && seen.insert(Self.runningKey(line.text)).inserted {
                pagesOfLine[Self.runningKey(line.text), default: 0] += 1
            }
        }
        let threshold = max(3, Int((Double(pages.count) * Self.runningShare).rounded(.up)))
        // A line of digits alone ("12", a table's cell) is a page number only at a page's edge, below.
        let running = Set(pagesOfLine.filter { $0.value >= threshold && $0.key.contains(where: \.isLetter) }.keys)
        return pages.map { lines in
            let edges = Self.edgePositions(count: lines.count)
            return lines.enumerated().compactMap { position, line in
                if line.characters.count <= 160, running.contains(Self.runningKey(line.text)) { return nil }
                if edges.contains(position), Self.isPageNumber(line.text) { return nil }
                return line
            }
        }
    }

    private static func edgePositions(count: Int) -> Set<Int> {
        Set([0, 1, count - 2, count - 1].filter { $0 >= 0 && $0 < count })
    }

    /// A line with its digits made `#`, lowercased and trimmed: "Page 3 of 40" and "Page 4 of 40" share it.
    static func runningKey(_ text: String) -> String {
        String(text.lowercased().map { $0.isNumber ? "#" : $0 }).trimmingCharacters(in: .whitespaces)
    }

    /// "12", "- 12 -", "Page 12", "12 of 40", "xiv".
    static func isPageNumber(_ text: String) -> Bool {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "–" || $0 == "|" })
        guard !words.isEmpty, words.count <= 4 else { return false }
        let roman = Set("ivxlc")
        return words.allSatisfy { word in
            word == "page" || word == "of" || word.allSatisfy(\.isNumber)
                || (word.count <= 5 && word.allSatisfy(roman.contains))
        } && words.contains { $0.allSatisfy(\.isNumber) || $0.allSatisfy(roman.contains) }
    }

    /// The page's lines without the numbers of a line-numbered page (a transcript, a manuscript for review): a
    /// column of eight or more numbers, nearly all one more than the one above, each beside one line of text
    /// rather than among a table's cells.
    static func withoutLineNumbers(_ lines: [PDFLine]) -> [PDFLine] {
        typealias Number = (position: Int, box: PDFBox, value: Int)
        let numbers: [Number] = lines.indices.compactMap { position in
            let text = lines[position].text.trimmingCharacters(in: .whitespaces)
            guard text.count <= 3, text.allSatisfy(\.isASCII), let value = Int(text), let box = lines[position].box
            else { return nil }
            return (position, box, value)
        }
        guard numbers.count >= 8 else { return lines }
        // Numbers of one column end (right-aligned) or start at the same place.
        var columns: [[Number]] = []
        for number in numbers {
            if let match = columns.firstIndex(where: { column in
                abs(column[0].box.x2 - number.box.x2) <= 2 || abs(column[0].box.x1 - number.box.x1) <= 2
            }) {
                columns[match].append(number)
            } else {
                columns.append([number])
            }
        }
        let baselines = PDFBaseline.grouping(lines)
        var dropped = Set<Int>()
        for column in columns where column.count >= 8 {
            let values = column.sorted { $0.box.y2 < $1.box.y2 }.map(\.value)
            let consecutive = zip(values, values.dropFirst()).filter { $1 == $0 + 1 }.count
            guard consecutive * 5 >= (values.count - 1) * 4 else { continue }
            let beside = column.map { number in
                baselines.first { $0.members.contains(number.position) }.map { $0.members.count - 1 } ?? 0
            }
            guard beside.filter({ $0 <= 1 }).count * 10 >= beside.count * 7 else { continue }
            dropped.formUnion(column.map(\.position))
        }
        guard !dropped.isEmpty else { return lines }
        return lines.indices.filter { !dropped.contains($0) }.map { lines[$0] }
    }

    // MARK: Headings

    /// The font size most of the text is set in.
    static func bodyFontSize(of pages: [[PDFLine]]) -> Double {
        var counts: [Double: Int] = [:]
        for line in pages.joined() { counts[line.fontSize, default: 0] += line.characters.count }
        return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? 0
    }

    /// The heading level of each heading line (normalised text): the outline's depth for lines the outline names,
    /// else a level by font size for short, large (or bold, alone) lines that do not end a sentence.
    func headingLevels(_ pages: [[PDFLine]], bodySize: Double) -> [String: Int] {
        var levels: [String: Int] = [:]
        let outline = Dictionary(
            self.outline.map { (Self.normalized($0.title), $0.depth) }, uniquingKeysWith: { first, _ in first })
        var largerSizes = Set<Double>()
        for line in pages.joined() {
            let text = line.text.trimmingCharacters(in: .whitespaces)
            let key = Self.normalized(text)
            if let depth = outline[key] {
                levels[key] = depth
                continue
            }
            guard Self.canBeHeading(text), line.fontSize >= bodySize * Self.headingScale else { continue }
            largerSizes.insert(line.fontSize)
        }
        let ranks = Dictionary(uniqueKeysWithValues: largerSizes.sorted(by: >).enumerated().map { ($1, $0 + 1) })
        let outlineDepth = self.outline.map(\.depth).max() ?? 0
        for line in pages.joined() {
            let text = line.text.trimmingCharacters(in: .whitespaces)
            let key = Self.normalized(text)
            guard levels[key] == nil, Self.canBeHeading(text) else { continue }
            let isLarge = ranks[line.fontSize] != nil
            if isLarge || line.isBold, let depth = Self.numberingDepth(text) {
                levels[key] = min(depth, 6)  // "3.5 Equity": its number says its level
            } else if let rank = ranks[line.fontSize], outline.isEmpty {
                levels[key] = min(rank, 6)
            } else if outline.isEmpty, line.isBold, line.fontSize >= bodySize, text.count <= 80,
                text.first?.isUppercase == true
            {
                levels[key] = min(ranks.count + 1, 6)
            } else if !outline.isEmpty, let rank = ranks[line.fontSize], rank == 1, outlineDepth == 0 {
                levels[key] = 1
            }
        }
        return levels
    }

    /// The depth of a heading's section number: "5. Implementation" 1, "3.5 Equity" 2; `nil` without one.
    static func numberingDepth(_ text: String) -> Int? {
        let number = text.prefix { $0.isNumber || $0 == "." }
        guard let first = number.first, first.isNumber, number.count < text.count,
            let next = text.dropFirst(number.count).first, next == " " || (number.hasSuffix(".") && next.isLetter)
        else { return nil }
        let parts = number.split(separator: ".")
        guard parts.allSatisfy({ $0.count <= 2 }) else { return nil }  // "2025 guidance" is a year, not a number
        return parts.count
    }

    /// Short, with letters, not ending a sentence or a clause.
    static func canBeHeading(_ text: String) -> Bool {
        let words = text.split(separator: " ").count
        guard words >= 1, words <= 14, text.contains(where: \.isLetter), let last = text.last else { return false }
        return !".,;".contains(last) && !isPageNumber(text)
    }

    /// The metadata's title unless it is a file name or a tool's ("Microsoft Word - x.docx"), else the first
    /// page's largest line, else the file name.
    func documentTitle(lines: [[PDFLine]], fileStem: String) -> String {
        if let title = content.title?.trimmingCharacters(in: .whitespacesAndNewlines), title.count >= 4,
            !title.lowercased().hasPrefix("microsoft"), !title.lowercased().hasSuffix(".pdf"),
            !title.lowercased().hasSuffix(".doc"), !title.lowercased().hasSuffix(".docx"), title.contains(" ")
        {
            return title
        }
        // The first page's largest lines, joined when the title runs over several: larger than most lines of the
        // document, and not a table's row.
        if let first = lines.first(where: { !$0.isEmpty }) {
            let head = Array(first.prefix(30))
            let sizes = lines.joined().map(\.fontSize).sorted()
            if let size = head.map(\.fontSize).max(), size > sizes[sizes.count / 2] * 1.1,
                let start = head.firstIndex(where: { $0.fontSize == size && !$0.isTableRow })
            {
                let run = head[start...].prefix { $0.fontSize >= size * 0.85 && !$0.isTableRow }.prefix(8)
                let title = run.map { $0.text.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                if title.count >= 4 { return title }
            }
        }
        return fileStem
    }

    /// The letters and digits of `text`, lowercased: how a line is matched with an outline title ("1.Introduction"
    /// and "1. Introduction" are one heading).
    static func normalized(_ text: String) -> String {
        String(text.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    // MARK: Paragraphs

    /// Whether a paragraph ends between `previous` and `next`: a vertical gap well over a line's height on the
    /// same page, or a page break after a sentence's end.
    static func breaksParagraph(after previous: PDFLine, before next: PDFLine) -> Bool {
        let previousText = previous.text.trimmingCharacters(in: .whitespaces)
        let endsSentence = previousText.last.map { ".!?:".contains($0) } ?? false
        guard previous.page == next.page else { return endsSentence }
        guard let above = previous.box, let below = next.box else { return endsSentence }
        let height = max(above.y2 - above.y1, 1)
        let gap = below.y1 - above.y2
        if gap > height * 0.9 { return true }
        // A new column: the next line starts above the previous one.
        if below.y1 < above.y1 - height { return endsSentence }
        return false
    }
}

/// A paragraph as its lines are joined: one space between lines, a hyphen at a line's end dropped when the word
/// goes on in lowercase on the next line, every character's page and box kept for the word boxes.
struct ParagraphBuilder {
    private var scalars: [Unicode.Scalar] = []
    private var boxes: [(page: Int, box: PDFBox)?] = []

    var isEmpty: Bool { scalars.isEmpty }

    mutating func append(_ line: PDFLine) {
        var characters = line.characters[...]
        while let first = characters.first, first.scalar.properties.isWhitespace { characters = characters.dropFirst() }
        while let last = characters.last, last.scalar.properties.isWhitespace { characters = characters.dropLast() }
        guard let first = characters.first else { return }
        if let last = scalars.last {
            let beforeLast = scalars.count >= 2 ? scalars[scalars.count - 2] : " "
            if (last == "-" || last == "\u{00AD}"), beforeLast.properties.isLowercase,
                first.scalar.properties.isLowercase
            {
                scalars.removeLast()
                boxes.removeLast()
            } else {
                scalars.append(" ")
                boxes.append(nil)
            }
        }
        for character in characters {
            if character.scalar.properties.isWhitespace {
                if scalars.last != " " {
                    scalars.append(" ")
                    boxes.append(nil)
                }
            } else {
                scalars.append(character.scalar)
                boxes.append((line.page, character.pageBox))
            }
        }
    }

    /// The paragraph's text, its words with their boxes, and the range of text on each page (offsets into the text).
    func finish() -> (
        text: String, words: [(range: Range<Int>, page: Int, box: PDFBox)],
        pages: [Int: Range<Int>]
    ) {
        var pages: [Int: Range<Int>] = [:]
        for (position, entry) in boxes.enumerated() {
            guard let page = entry?.page else { continue }
            let range = pages[page] ?? position..<position + 1
            pages[page] = min(range.lowerBound, position)..<max(range.upperBound, position + 1)
        }
        var words: [(range: Range<Int>, page: Int, box: PDFBox)] = []
        var start: Int?
        func close(at end: Int) {
            guard let wordStart = start else { return }
            defer { start = nil }
            var bounds: PDFBox?
            var page = 0
            for position in wordStart..<end {
                guard let entry = boxes[position] else { continue }
                if page == 0 { page = entry.page }
                guard entry.page == page, entry.box.x2 > entry.box.x1 else { continue }
                let box = entry.box
                bounds = union(bounds, box)
            }
            if let bounds, page > 0 { words.append((wordStart..<end, page, bounds)) }
        }
        for (position, scalar) in scalars.enumerated() {
            if scalar == " " { close(at: position) } else if start == nil { start = position }
        }
        close(at: scalars.count)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return (String(view), words, pages)
    }
}
