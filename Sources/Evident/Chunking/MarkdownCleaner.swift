/// Turns Markdown into the plain text that Evident indexes, shows and quotes.
///
/// Cleaning keeps what a reader sees and drops the markup around it:
///
/// - links keep their text (`[text](/url)` → `text`); images, and links to image files (`[Enlarge](….jpg)`),
///   disappear; the dangling `[` and `](/url)` of a link whose text runs over blank lines are dropped;
/// - citation anchors (`[[1](#cit/section_1.1),[2](#cit/section_1.2)]`, `([1](#r1))`) and evidence markers
///   (`[[Level of evidence C1](/Common/PopUps/…)]`) disappear with the space before them;
/// - emphasis markers (`*x*`, `**x**`, `***x* y**`, `_x_`), heading markers, HTML tags and comments are dropped
///   (autolinks `<https://…>` keep their address); a backslash escape keeps the escaped character; a comment
///   that opens a line (`<!--`) and runs over several lines, blank ones included, is dropped up to the end of
///   the line where it closes;
/// - a single line break inside a paragraph becomes a space; blocks (paragraphs, headings, list items and table
///   rows) are separated by one line break;
/// - list items keep a `- ` or `1. ` prefix; table rows keep their cells joined by ` | `, and the `|---|` row
///   is dropped;
/// - a paragraph made only of links (navigation such as `[Go to Patient Version](…)`) is dropped;
/// - runs of whitespace become one space, a space before word-ending punctuation (`(NF1) .`) is dropped, and the
///   result is trimmed.
///
/// Cleaning is a pure function of its input, so a passage's text is `clean(source[passage.range])`.
public enum MarkdownCleaner: Sendable {
    /// Returns the plain text of a piece of Markdown.
    ///
    /// - Parameter markdown: The Markdown to clean.
    /// - Returns: The cleaned text.
    /// - Complexity: O(*n*) for ordinary text, where *n* is the length of `markdown`.
    public static func clean(_ markdown: Substring) -> String {
        let scalars = String(markdown).unicodeScalarArray
        return cleanedText(of: scalars, in: 0..<scalars.count).text
    }

    /// Returns the plain text of a piece of Markdown.
    ///
    /// - Parameter markdown: The Markdown to clean.
    /// - Returns: The cleaned text.
    public static func clean(_ markdown: String) -> String {
        clean(markdown[...])
    }

    /// Returns the cleaned text of a piece of a document in the given format.
    ///
    /// Markdown is cleaned as by ``clean(_:)-(Substring)``; plain text and BEIR text are not read as Markdown
    /// (`[Ca(2+)](i)` and `(*2*2)` are notation there): only their whitespace is normalised, paragraphs and list
    /// items kept on lines of their own. For every passage a ``Chunker`` makes,
    /// `clean(source[passage.range], as: document.format) == passage.text`.
    ///
    /// - Parameters:
    ///   - text: The text to clean.
    ///   - format: The format of the document it comes from.
    /// - Returns: The cleaned text.
    public static func clean(_ text: Substring, as format: CorpusFormat) -> String {
        let scalars = String(text).unicodeScalarArray
        return cleanedText(of: scalars, in: 0..<scalars.count, interpretingMarkup: format == .markdown).text
    }

    /// Returns the cleaned text of a piece of one block of a document in the given format, such as a sentence
    /// quoted from it.
    ///
    /// Inline markup is cleaned as by ``clean(_:as:)``, and every line break is whitespace: lines are not read as
    /// headings, list items or table rows, and a piece made only of links keeps their text. A sentence quoted
    /// from the middle of a paragraph ("… see below. * Corresponding author.") thus cleans as it did in its
    /// paragraph.
    ///
    /// - Parameters:
    ///   - text: The piece to clean.
    ///   - format: The format of the document it comes from.
    /// - Returns: The cleaned text.
    public static func cleanInline(_ text: Substring, as format: CorpusFormat) -> String {
        let scalars = String(text).unicodeScalarArray
        var cleaner = CleaningParser(input: scalars, interpretsMarkup: format == .markdown)
        cleaner.cleanInline(in: 0..<scalars.count)
        return cleaner.finish().text
    }

    /// Cleans `scalars[range]` and returns the text together with where each of its scalars came from.
    static func cleanedText(
        of scalars: [Unicode.Scalar], in range: Range<Int>, interpretingMarkup: Bool = true
    ) -> CleanedText {
        var cleaner = CleaningParser(input: scalars, interpretsMarkup: interpretingMarkup)
        cleaner.cleanBlocks(in: range)
        return cleaner.finish()
    }
}

/// Cleaned text with a map back to the source it came from.
struct CleanedText: Sendable {
    /// The cleaned text as scalars.
    var scalars: [Unicode.Scalar] = []
    /// For each cleaned scalar, the offset of the source scalar it came from.
    var sourceOffsets: [Int] = []
    /// For each cleaned scalar, where a source range that starts with this scalar must start so that it does
    /// not cut the markup around it in half (an opening `*`, `[` or table `|`).
    var startBoundaries: [Int] = []
    /// For each cleaned scalar, where a source range that ends with this scalar must end: after the closing
    /// markup, and after the citation anchors and evidence markers that follow it.
    var endBoundaries: [Int] = []
    /// Ranges of the cleaned text that a sentence boundary must not cut: link text, emphasis, table rows.
    var unsplittableRanges: [Range<Int>] = []
    /// Levels of evidence met, with the source offset of their marker.
    var evidenceLevels: [(offset: Int, level: String)] = []
    /// Reference numbers met, with the source offset of their anchor.
    var references: [(offset: Int, number: Int)] = []
    /// The blocks of the cleaned text, in order.
    var blocks: [CleanedBlock] = []

    /// The cleaned text as a string.
    var text: String {
        return String(decodingScalars: scalars)
    }

    /// The distinct evidence levels whose markers lie in `range`, in order of appearance.
    func evidenceLevels(in range: Range<Int>) -> [String] {
        var seen: [String] = []
        for marker in evidenceLevels where range.contains(marker.offset) && !seen.contains(marker.level) {
            seen.append(marker.level)
        }
        return seen
    }

    /// The distinct reference numbers whose anchors lie in `range`, in order of appearance.
    func references(in range: Range<Int>) -> [Int] {
        var seen: [Int] = []
        var seenSet = Set<Int>()
        for anchor in references where range.contains(anchor.offset) && seenSet.insert(anchor.number).inserted {
            seen.append(anchor.number)
        }
        return seen
    }
}

/// One block of cleaned text: a paragraph, heading, list item or table row.
struct CleanedBlock: Sendable, Hashable {
    /// What a block was in the Markdown.
    enum Kind: Sendable, Hashable {
        case paragraph
        case heading
        case listItem
        case tableRow
    }

    /// What the block was.
    var kind: Kind
    /// The block's scalars in the cleaned text, without the line break that separates it from the one before.
    var range: Range<Int>
    /// Where the block's own text starts: after a list item's `- ` or `1. ` marker, else `range.lowerBound`.
    var contentStart: Int
}

// MARK: - Scalar classes (CommonMark's whitespace, ASCII punctuation, …)

extension Unicode.Scalar {
    var isMarkdownSpaceOrTab: Bool { self == " " || self == "\t" }
    var isMarkdownWhitespace: Bool {
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        return properties.isWhitespace
    }
    var isMarkdownDigit: Bool { value >= 0x30 && value <= 0x39 }
    var isMarkdownLetter: Bool { (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A) }
    var isMarkdownPunctuation: Bool {
        (value >= 0x21 && value <= 0x2F) || (value >= 0x3A && value <= 0x40) || (value >= 0x5B && value <= 0x60)
            || (value >= 0x7B && value <= 0x7E)
    }
    var isMarkdownAlphanumeric: Bool {
        if value < 0x80 { return isMarkdownLetter || isMarkdownDigit }
        return properties.isAlphabetic || properties.numericType != nil
    }
}

// MARK: - The parser

/// The state of one cleaning pass: a block pass over lines, then an inline pass over each block.
struct CleaningParser {
    let input: [Unicode.Scalar]
    private var output = CleanedText()

    /// A space is owed before the next kept scalar.
    private var pendingSpace = false
    /// A line break is owed before the next kept scalar (a new block started).
    private var pendingLineBreak = false
    /// Markup was dropped since the last kept scalar (a space before punctuation is then dropped too).
    private var droppedSinceLastScalar = false
    /// Scalars that start the current block (a list marker), written before its first kept scalar.
    private var pendingPrefix: [(scalar: Unicode.Scalar, offset: Int)] = []
    /// The output count when the current block started (before its separating line break).
    private var blockStart = 0
    /// The output count where the current block's own text starts (after its separating line break).
    private var blockOutputStart = 0
    /// The output count after the current list item's marker, once written; 0 elsewhere.
    private var listMarkerOutputEnd = 0
    /// How many links the inline pass is inside.
    private var linkDepth = 0
    /// Whether the current block kept a visible scalar outside link text.
    private var keptTextOutsideLinks = false

    /// Whether Markdown markup is interpreted; when not, only whitespace is normalised and list items and
    /// paragraphs are kept apart (plain text and BEIR abstracts, where `[Ca(2+)](i)` is chemistry).
    let interpretsMarkup: Bool

    init(input: [Unicode.Scalar], interpretsMarkup: Bool = true) {
        self.input = input
        self.interpretsMarkup = interpretsMarkup
    }

    func finish() -> CleanedText { output }

    // MARK: Blocks

    enum LineKind {
        case blank
        case heading(contentStart: Int, contentEnd: Int)
        case tableRow
        case listItem(markerStart: Int, markerEnd: Int, contentStart: Int)
        case rule
        case text
    }

    private enum OpenBlock {
        case paragraph(start: Int)
        case listItem(markerStart: Int, markerEnd: Int, contentStart: Int)
    }

    mutating func cleanBlocks(in range: Range<Int>) {
        output.scalars.reserveCapacity(range.count)
        output.sourceOffsets.reserveCapacity(range.count)
        output.startBoundaries.reserveCapacity(range.count)
        output.endBoundaries.reserveCapacity(range.count)
        var open: OpenBlock?
        var blockEnd = range.lowerBound
        var lineStart = range.lowerBound
        while lineStart < range.upperBound {
            var lineEnd = lineStart
            while lineEnd < range.upperBound && input[lineEnd] != "\n" { lineEnd += 1 }
            if let commentEnd = commentBlockEnd(at: lineStart, limit: range.upperBound) {
                closeBlock(&open, end: blockEnd)
                lineStart = commentEnd + 1
                continue
            }
            let kind = classifyLine(lineStart..<lineEnd)
            switch kind {
            case .text:
                if open == nil { open = .paragraph(start: lineStart) }
                blockEnd = lineEnd
            case .blank, .rule:
                closeBlock(&open, end: blockEnd)
            case .heading(let contentStart, let contentEnd):
                closeBlock(&open, end: blockEnd)
                startBlock()
                parseInline(contentStart..<contentEnd)
                recordBlock(.heading)
            case .tableRow:
                closeBlock(&open, end: blockEnd)
                cleanTableRow(lineStart..<lineEnd)
            case .listItem(let markerStart, let markerEnd, let contentStart):
                closeBlock(&open, end: blockEnd)
                open = .listItem(markerStart: markerStart, markerEnd: markerEnd, contentStart: contentStart)
                blockEnd = lineEnd
            }
            lineStart = lineEnd + 1
        }
        closeBlock(&open, end: blockEnd)
    }

    /// When the line at `lineStart` opens an HTML comment (`<!--` after at most three spaces) that closes on a
    /// later line, the end of the line where it closes (its line break, or `limit`); otherwise `nil`, and a
    /// comment that closes on its own line is left to the inline pass.
    func commentBlockEnd(at lineStart: Int, limit: Int) -> Int? {
        guard interpretsMarkup else { return nil }
        var index = lineStart
        while index < limit && index - lineStart < 3 && input[index] == " " { index += 1 }
        guard index + 3 < limit, input[index] == "<", input[index + 1] == "!", input[index + 2] == "-",
            input[index + 3] == "-"
        else { return nil }
        index += 4
        var crossedLine = false
        while index + 2 < limit {
            if input[index] == "\n" {
                crossedLine = true
            } else if input[index] == "-" && input[index + 1] == "-" && input[index + 2] == ">" {
                guard crossedLine else { return nil }
                var end = index + 3
                while end < limit && input[end] != "\n" { end += 1 }
                return end
            }
            index += 1
        }
        return nil
    }

    func classifyLine(_ line: Range<Int>) -> LineKind {
        var first = line.lowerBound
        while first < line.upperBound && input[first].isMarkdownWhitespace { first += 1 }
        if first == line.upperBound { return .blank }
        let scalar = input[first]
        if interpretsMarkup && scalar == "#" {
            var level = first
            while level < line.upperBound && input[level] == "#" { level += 1 }
            if level - first <= 6 && (level == line.upperBound || input[level].isMarkdownSpaceOrTab) {
                var end = line.upperBound
                while end > level && input[end - 1].isMarkdownWhitespace { end -= 1 }
                var closing = end
                while closing > level && input[closing - 1] == "#" { closing -= 1 }
                if closing < end && (closing == level || input[closing - 1].isMarkdownSpaceOrTab) { end = closing }
                return .heading(contentStart: level, contentEnd: end)
            }
        }
        if interpretsMarkup && scalar == "|" { return .tableRow }
        if interpretsMarkup && (scalar == "-" || scalar == "*" || scalar == "_") {
            var marks = 0
            var onlyMarks = true
            for index in first..<line.upperBound {
                if input[index] == scalar {
                    marks += 1
                } else if !input[index].isMarkdownWhitespace {
                    onlyMarks = false
                }
            }
            if onlyMarks && marks >= 3 { return .rule }
        }
        if scalar == "-" || scalar == "*" || scalar == "+" {
            if first + 1 == line.upperBound || input[first + 1].isMarkdownSpaceOrTab {
                return .listItem(markerStart: first, markerEnd: first + 1, contentStart: first + 1)
            }
        }
        if scalar.isMarkdownDigit {
            var end = first
            while end < line.upperBound && input[end].isMarkdownDigit { end += 1 }
            if end - first <= 9 && end + 2 < line.upperBound && (input[end] == "." || input[end] == ")")
                && input[end + 1].isMarkdownSpaceOrTab
            {
                return .listItem(markerStart: first, markerEnd: end + 1, contentStart: end + 1)
            }
        }
        return .text
    }

    /// Cleans `range` as the inline text of one block.
    mutating func cleanInline(in range: Range<Int>) {
        startBlock()
        parseInline(range)
        recordBlock(.paragraph)
    }

    private mutating func startBlock() {
        pendingLineBreak = true
        pendingSpace = false
        droppedSinceLastScalar = false
        pendingPrefix = []
        blockStart = output.scalars.count
        blockOutputStart = output.scalars.count
        listMarkerOutputEnd = 0
        keptTextOutsideLinks = false
    }

    private mutating func closeBlock(_ open: inout OpenBlock?, end: Int) {
        guard let block = open else { return }
        open = nil
        startBlock()
        switch block {
        case .paragraph(let start):
            parseInline(start..<end)
            if !keptTextOutsideLinks && output.scalars.count > blockStart {
                truncateOutput(to: blockStart)  // navigation only: a paragraph that is nothing but links
            }
            recordBlock(.paragraph)
        case .listItem(let markerStart, let markerEnd, let contentStart):
            if input[markerStart].isMarkdownDigit {
                for offset in markerStart..<markerEnd - 1 { pendingPrefix.append((input[offset], offset)) }
                pendingPrefix.append((input[markerEnd - 1], markerEnd - 1))
            } else {
                pendingPrefix.append(("-", markerStart))
            }
            parseInline(contentStart..<max(contentStart, end))
            recordBlock(.listItem)
        }
        pendingPrefix = []
    }

    /// Records the block written since the last ``startBlock()``, when it kept any text.
    private mutating func recordBlock(_ kind: CleanedBlock.Kind) {
        let end = output.scalars.count
        guard end > blockOutputStart else { return }
        let contentStart = max(blockOutputStart, min(listMarkerOutputEnd, end))
        output.blocks.append(CleanedBlock(kind: kind, range: blockOutputStart..<end, contentStart: contentStart))
    }

    private mutating func truncateOutput(to count: Int) {
        output.scalars.removeSubrange(count...)
        output.sourceOffsets.removeSubrange(count...)
        output.startBoundaries.removeSubrange(count...)
        output.endBoundaries.removeSubrange(count...)
        output.unsplittableRanges.removeAll { $0.upperBound > count }
    }

    /// `| a | b |` → `a | b`; the `|---|---|` separator row is dropped.
    private mutating func cleanTableRow(_ line: Range<Int>) {
        var first = line.lowerBound
        while input[first] != "|" { first += 1 }
        var last = line.upperBound
        while last > first + 1 && input[last - 1].isMarkdownWhitespace { last -= 1 }
        var cells: [Range<Int>] = []
        var cellStart = first + 1
        var index = first + 1
        while index < last {
            if input[index] == "\\" && index + 1 < last {
                index += 2
                continue
            }
            if input[index] == "|" {
                cells.append(cellStart..<index)
                cellStart = index + 1
            }
            index += 1
        }
        if cellStart < last { cells.append(cellStart..<last) }
        let isSeparator = cells.allSatisfy { cell in
            cell.allSatisfy { input[$0] == "-" || input[$0] == ":" || input[$0].isMarkdownWhitespace }
        }
        if isSeparator { return }
        startBlock()
        for (position, cell) in cells.enumerated() {
            if position > 0 && output.scalars.count > blockOutputStart {
                pendingSpace = false
                // The separator is written lazily, before the next cell's first scalar.
                pendingPrefix = [(" ", cell.lowerBound - 1), ("|", cell.lowerBound - 1)]
                pendingSpace = true
            }
            parseInline(cell)
            pendingPrefix = []
            pendingSpace = false
        }
        recordBlock(.tableRow)
        if output.scalars.count > blockOutputStart {
            output.unsplittableRanges.append(blockOutputStart..<output.scalars.count)
            output.startBoundaries[blockOutputStart] = min(output.startBoundaries[blockOutputStart], first)
            let lastIndex = output.scalars.count - 1
            output.endBoundaries[lastIndex] = max(output.endBoundaries[lastIndex], last)
        }
    }

    // MARK: Emitting

    private mutating func append(_ scalar: Unicode.Scalar, offset: Int) {
        output.scalars.append(scalar)
        output.sourceOffsets.append(offset)
        output.startBoundaries.append(offset)
        output.endBoundaries.append(offset + 1)
    }

    /// Writes a kept, visible scalar, with the separators and prefix owed before it.
    private mutating func emit(_ scalar: Unicode.Scalar, offset: Int, startBoundary: Int? = nil) {
        if !output.scalars.isEmpty {
            if pendingLineBreak && output.scalars.count == blockOutputStart {
                append("\n", offset: offset)
                blockOutputStart = output.scalars.count
            }
        }
        pendingLineBreak = false
        let writesListMarker = pendingPrefix.first.map { $0.scalar != " " } ?? false
        if !pendingPrefix.isEmpty {
            let prefix = pendingPrefix
            pendingPrefix = []
            for (prefixScalar, prefixOffset) in prefix {
                if prefixScalar == " " {
                    if output.scalars.count > blockOutputStart { append(" ", offset: prefixOffset) }
                } else {
                    append(prefixScalar, offset: prefixOffset)
                }
            }
            pendingSpace = true
        }
        if pendingSpace && output.scalars.count > blockOutputStart {
            let isClosingPunctuation: Bool
            switch scalar {
            case ".", ",", ";", ":", "!", "?", ")", "]": isClosingPunctuation = true
            default: isClosingPunctuation = false
            }
            if !(droppedSinceLastScalar && isClosingPunctuation) && output.scalars.last != " " {
                append(" ", offset: max(offset - 1, 0))
            }
        }
        pendingSpace = false
        droppedSinceLastScalar = false
        if writesListMarker { listMarkerOutputEnd = output.scalars.count }
        append(scalar, offset: offset)
        if let startBoundary { output.startBoundaries[output.scalars.count - 1] = startBoundary }
        if linkDepth == 0 { keptTextOutsideLinks = true }
    }

    /// Notes that the markup `range` was dropped: a range ending at the text before it must take it in.
    private mutating func dropped(_ range: Range<Int>) {
        droppedSinceLastScalar = true
        let lastIndex = output.scalars.count - 1
        if lastIndex >= blockOutputStart && lastIndex >= 0 && output.scalars[lastIndex] != "\n" {
            output.endBoundaries[lastIndex] = max(output.endBoundaries[lastIndex], range.upperBound)
        }
    }

    /// Widens the boundaries of the text written since `outputStart` to the construct `range` around it.
    private mutating func enclose(from outputStart: Int, in range: Range<Int>) {
        // A list item's marker, written lazily before the construct's first scalar, is not inside it.
        var first = max(outputStart, listMarkerOutputEnd)
        while first < output.scalars.count && (output.scalars[first] == " " || output.scalars[first] == "\n") {
            first += 1
        }
        guard first < output.scalars.count else { return }
        output.unsplittableRanges.append(first..<output.scalars.count)
        output.startBoundaries[first] = min(output.startBoundaries[first], range.lowerBound)
        let lastIndex = output.scalars.count - 1
        output.endBoundaries[lastIndex] = max(output.endBoundaries[lastIndex], range.upperBound)
    }

    // MARK: Inline

    private mutating func parseInline(_ range: Range<Int>) {
        var index = range.lowerBound
        while index < range.upperBound {
            let scalar = input[index]
            if scalar.isMarkdownWhitespace {
                pendingSpace = true
                index += 1
                continue
            }
            if pendingSpace && (scalar == "." || scalar == "," || scalar == ";" || scalar == ":") {
                let next = index + 1
                let endsWord =
                    next == range.upperBound || input[next].isMarkdownWhitespace || input[next] == ")"
                    || input[next] == "]" || input[next] == "\"" || input[next] == "”" || input[next] == "["
                if endsWord { droppedSinceLastScalar = true }  // "(NF1) . A" → "(NF1). A"
            }
            guard interpretsMarkup else {
                emit(scalar, offset: index)
                index += 1
                continue
            }
            switch scalar {
            case "\\":
                if index + 1 < range.upperBound && input[index + 1].isMarkdownPunctuation {
                    emit(input[index + 1], offset: index + 1, startBoundary: index)
                    index += 2
                    continue
                }
            case "!":
                if index + 1 < range.upperBound && input[index + 1] == "[",
                    let image = link(at: index + 1, limit: range.upperBound)
                {
                    dropped(index..<image.end)
                    index = image.end
                    continue
                }
            case "[", "(":
                if let end = citationGroup(at: index, limit: range.upperBound) {
                    dropped(index..<end)
                    index = end
                    continue
                }
                if scalar == "[", let link = link(at: index, limit: range.upperBound) {
                    if recordCitation(link) || isImageLink(link) {
                        dropped(index..<link.end)
                    } else {
                        let outputStart = output.scalars.count
                        linkDepth += 1
                        parseInline(link.text)
                        linkDepth -= 1
                        enclose(from: outputStart, in: index..<link.end)
                        if output.scalars.count == outputStart { dropped(index..<link.end) }
                    }
                    index = link.end
                    continue
                }
                if scalar == "[" && index + 2 < range.upperBound && input[index + 1] == "!" && input[index + 2] == "[" {
                    // The opening bracket of a card link whose text runs over blank lines: "[![image](…)".
                    dropped(index..<index + 1)
                    index += 1
                    continue
                }
            case "]":
                if let end = danglingLinkTargetEnd(at: index, limit: range.upperBound) {
                    // The end of a card link whose text ran over blank lines: "…](/types/breast/treatment)".
                    dropped(index..<end)
                    index = end
                    continue
                }
            case "<":
                if let end = htmlEnd(at: index, limit: range.upperBound) {
                    if end.isAutolink {
                        let outputStart = output.scalars.count
                        for offset in index + 1..<end.end - 1 { emit(input[offset], offset: offset) }
                        enclose(from: outputStart, in: index..<end.end)
                    } else {
                        dropped(index..<end.end)
                        if end.isBreak { pendingSpace = true }
                    }
                    index = end.end
                    continue
                }
            case "*", "_":
                if let emphasis = emphasis(at: index, limit: range.upperBound, rangeStart: range.lowerBound) {
                    let outputStart = output.scalars.count
                    parseInline(emphasis.content)
                    enclose(from: outputStart, in: index..<emphasis.end)
                    if output.scalars.count == outputStart { dropped(index..<emphasis.end) }
                    index = emphasis.end
                    continue
                }
                var runEnd = index
                while runEnd < range.upperBound && input[runEnd] == scalar { runEnd += 1 }
                if scalar == "*" && runEnd - index >= 4 {
                    // Empty strong emphasis ("Age****:", "sensitizers****to"): markup between words.
                    dropped(index..<runEnd)
                    pendingSpace = true
                    index = runEnd
                    continue
                }
                for offset in index..<runEnd { emit(scalar, offset: offset) }
                index = runEnd
                continue
            default:
                break
            }
            emit(scalar, offset: index)
            index += 1
        }
    }

    private struct Link {
        var text: Range<Int>
        var target: Range<Int>
        var end: Int
    }

    /// Parses `[text](target)` starting at the `[` at `start`.
    private func link(at start: Int, limit: Int) -> Link? {
        guard let textEnd = matching(close: "]", open: "[", from: start, limit: limit),
            textEnd + 1 < limit, input[textEnd + 1] == "(",
            let targetEnd = matching(close: ")", open: "(", from: textEnd + 1, limit: limit)
        else { return nil }
        return Link(text: start + 1..<textEnd, target: textEnd + 2..<targetEnd, end: targetEnd + 1)
    }

    /// The end of `](target)` at an unmatched `]`, when the target is a bare path or address.
    private func danglingLinkTargetEnd(at start: Int, limit: Int) -> Int? {
        guard start + 2 < limit, input[start + 1] == "(" else { return nil }
        let first = input[start + 2]
        guard first == "/" || first == "#" || hasPrefix("http", at: start + 2, limit: limit) else { return nil }
        var index = start + 2
        while index < limit && input[index] != ")" {
            if input[index].isMarkdownWhitespace || input[index] == "(" { return nil }
            index += 1
        }
        return index < limit ? index + 1 : nil
    }

    /// Whether `link` points at an image file ("[Enlarge](…/786385.jpg)"): it goes with the image it enlarges.
    private func isImageLink(_ link: Link) -> Bool {
        var end = link.target.lowerBound
        while end < link.target.upperBound && !input[end].isMarkdownWhitespace && input[end] != "?"
            && input[end] != "#"
        {
            end += 1
        }
        // The path's extension, lowercased, compared as ASCII.
        var dot = end
        while dot > link.target.lowerBound && input[dot - 1] != "." && input[dot - 1] != "/" { dot -= 1 }
        guard dot > link.target.lowerBound, input[dot - 1] == ".", end - dot <= 4 else { return false }
        var extensionValue: UInt32 = 0
        for offset in dot..<end {
            let value = input[offset].value
            guard value < 0x80 else { return false }
            extensionValue = extensionValue << 8 | (value >= 0x41 && value <= 0x5A ? value + 0x20 : value)
        }
        return Self.imageExtensions.contains(extensionValue)
    }

    /// "jpg", "jpeg", "png", "gif", "svg", "webp" packed as big-endian ASCII.
    private static let imageExtensions: Set<UInt32> = Set(
        ["jpg", "jpeg", "png", "gif", "svg", "webp"].map { name in
            name.unicodeScalars.reduce(UInt32(0)) { $0 << 8 | $1.value }
        })

    /// The index of the bracket that closes the one at `start`, skipping escaped and nested brackets.
    private func matching(close: Unicode.Scalar, open: Unicode.Scalar, from start: Int, limit: Int) -> Int? {
        var depth = 0
        var index = start
        while index < limit {
            let scalar = input[index]
            if scalar == "\\" {
                index += 2
                continue
            }
            if scalar == open {
                depth += 1
            } else if scalar == close {
                depth -= 1
                if depth == 0 { return index }
            } else if scalar == "\n" && index + 1 < limit && input[index + 1] == "\n" {
                return nil
            }
            index += 1
        }
        return nil
    }

    private func hasPrefix(_ prefix: String, at start: Int, limit: Int, ignoringCase: Bool = false) -> Bool {
        var index = start
        for expected in prefix.unicodeScalars {
            guard index < limit else { return false }
            var actual = input[index]
            if ignoringCase, actual.value >= 0x41 && actual.value <= 0x5A,
                let lower = Unicode.Scalar(actual.value + 0x20)
            {
                actual = lower
            }
            if actual != expected { return false }
            index += 1
        }
        return true
    }

    private enum CitationKind {
        case reference(Int)
        case evidence(String)
    }

    /// Whether `link` is a citation anchor or an evidence marker, and which.
    private func citationKind(of link: Link) -> CitationKind? {
        let target = link.target
        if hasPrefix("level of evidence", at: link.text.lowerBound, limit: link.text.upperBound, ignoringCase: true) {
            var start = link.text.lowerBound + "level of evidence".unicodeScalars.count
            var end = link.text.upperBound
            while start < end && (input[start].isMarkdownWhitespace || input[start] == ":") { start += 1 }
            while end > start && input[end - 1].isMarkdownWhitespace { end -= 1 }
            // "Level of evidence (retinoids): 2aii" names what the level is for; keep the level.
            if start < end && input[start] == "(",
                let colon = input[start..<end].lastIndex(of: ":"), input[colon - 1] == ")"
            {
                start = colon + 1
                while start < end && input[start].isMarkdownWhitespace { start += 1 }
            }
            // A glossary link in running text ("their [level of evidence](/Common/…)") is not a marker.
            guard start < end else { return nil }
            return .evidence(String(decodingScalars: input[start..<end]))
        }
        let isCitationTarget =
            hasPrefix("#cit/", at: target.lowerBound, limit: target.upperBound)
            || (hasPrefix("#r", at: target.lowerBound, limit: target.upperBound) && target.count > 2
                && input[target.lowerBound + 2..<target.upperBound].allSatisfy { $0.isMarkdownDigit })
        guard isCitationTarget else { return nil }
        var number = 0
        var digits = 0
        for index in link.text where input[index].isMarkdownDigit && digits < 6 {
            number = number * 10 + Int(input[index].value - 0x30)
            digits += 1
        }
        return digits > 0 ? .reference(number) : nil
    }

    /// Records a lone citation link (`[2](#cit/il.2)`); returns `false` when `link` is an ordinary link.
    private mutating func recordCitation(_ link: Link) -> Bool {
        guard let kind = citationKind(of: link) else { return false }
        let offset = link.text.lowerBound - 1
        switch kind {
        case .reference(let number): output.references.append((offset, number))
        case .evidence(let level): output.evidenceLevels.append((offset, level))
        }
        return true
    }

    /// Parses a bracketed group of citation anchors or evidence markers (`[[1](#cit/…),[2](#cit/…)]`,
    /// `[[3](#cit/…)-[5](#cit/…)]`, `([1](#r1), [2](#r2))`, `[[Level of evidence C1](…)]`), records what it
    /// cites and returns the index after it.
    private mutating func citationGroup(at start: Int, limit: Int) -> Int? {
        let close: Unicode.Scalar = input[start] == "[" ? "]" : ")"
        var index = start + 1
        var found: [(offset: Int, kind: CitationKind, isRangeEnd: Bool)] = []
        var rangeOpen = false
        while true {
            while index < limit && input[index].isMarkdownSpaceOrTab { index += 1 }
            guard index < limit else { return nil }
            if input[index] == close && !found.isEmpty { break }
            guard input[index] == "[", let link = link(at: index, limit: limit), let kind = citationKind(of: link)
            else { return nil }
            found.append((index, kind, rangeOpen))
            rangeOpen = false
            index = link.end
            while index < limit && input[index].isMarkdownSpaceOrTab { index += 1 }
            guard index < limit else { return nil }
            let separator = input[index]
            if separator == "," || separator == ";" {
                index += 1
            } else if separator == "-" || separator == "–" {
                rangeOpen = true
                index += 1
            }
        }
        var previous: Int?
        for citation in found {
            switch citation.kind {
            case .reference(let number):
                if citation.isRangeEnd, let first = previous, number > first, number - first <= 100 {
                    for between in first + 1..<number { output.references.append((citation.offset, between)) }
                }
                output.references.append((citation.offset, number))
                previous = number
            case .evidence(let level):
                output.evidenceLevels.append((citation.offset, level))
                previous = nil
            }
        }
        return index + 1
    }

    private struct HTMLEnd {
        var end: Int
        var isAutolink = false
        var isBreak = false
    }

    /// Recognises an HTML tag, comment or autolink starting at the `<` at `start`.
    private func htmlEnd(at start: Int, limit: Int) -> HTMLEnd? {
        var index = start + 1
        guard index < limit else { return nil }
        if hasPrefix("!--", at: index, limit: limit) {
            index += 3
            while index + 2 < limit {
                if input[index] == "-" && input[index + 1] == "-" && input[index + 2] == ">" {
                    return HTMLEnd(end: index + 3)
                }
                index += 1
            }
            return nil
        }
        if hasPrefix("http://", at: index, limit: limit) || hasPrefix("https://", at: index, limit: limit)
            || hasPrefix("mailto:", at: index, limit: limit)
        {
            while index < limit && input[index] != ">" {
                if input[index].isMarkdownWhitespace || input[index] == "<" { return nil }
                index += 1
            }
            return index < limit ? HTMLEnd(end: index + 1, isAutolink: true) : nil
        }
        if input[index] == "/" { index += 1 }
        let nameStart = index
        guard index < limit, input[index].isMarkdownLetter else { return nil }
        while index < limit && (input[index].isMarkdownLetter || input[index].isMarkdownDigit || input[index] == "-") {
            index += 1
        }
        var name = ""
        for offset in nameStart..<index { name.unicodeScalars.append(input[offset]) }
        guard index < limit else { return nil }
        let selfClosing = input[index] == "/" && index + 1 < limit && input[index + 1] == ">"
        if input[index] == ">" || selfClosing || input[index].isMarkdownWhitespace {
            while index < limit && input[index] != ">" {
                if input[index] == "<" || input[index] == "\n" { return nil }
                index += 1
            }
            guard index < limit else { return nil }
            let breaks: Set<String> = ["br", "p", "div", "li", "tr", "td", "th", "ul", "ol", "table", "hr"]
            return HTMLEnd(end: index + 1, isBreak: breaks.contains(name.lowercased()))
        }
        return nil
    }

    private struct Emphasis {
        var content: Range<Int>
        var end: Int
    }

    /// Parses `*x*`, `**x**`, `***x***`, `_x_`, `__x__` starting at `start`.
    private func emphasis(at start: Int, limit: Int, rangeStart: Int) -> Emphasis? {
        let marker = input[start]
        var runEnd = start
        while runEnd < limit && input[runEnd] == marker { runEnd += 1 }
        let runLength = runEnd - start
        guard runLength <= 3, runEnd < limit, !input[runEnd].isMarkdownWhitespace else { return nil }
        if marker == "_" && start > rangeStart && input[start - 1].isMarkdownAlphanumeric { return nil }
        // A closing run of the same length; for "***a* b**" the outer "**" takes the first markers of the run
        // and the inner "*" is parsed inside.
        for length in stride(from: runLength, through: 1, by: -1) {
            if let close = closingRun(of: marker, length: length, from: runEnd + 1, limit: limit, allowLonger: false) {
                return Emphasis(content: start + length..<close.contentEnd, end: close.end)
            }
        }
        // A longer closing run: "**called *RAS***" closes the inner "*" and the outer "**" at once.
        if let close = closingRun(of: marker, length: runLength, from: runEnd + 1, limit: limit, allowLonger: true) {
            return Emphasis(content: runEnd..<close.contentEnd, end: close.end)
        }
        return nil
    }

    private func closingRun(
        of marker: Unicode.Scalar, length: Int, from start: Int, limit: Int, allowLonger: Bool
    ) -> (contentEnd: Int, end: Int)? {
        var index = start
        while index < limit {
            let scalar = input[index]
            if scalar == "\\" {
                index += 2
                continue
            }
            if scalar == "\n" && index + 1 < limit && input[index + 1] == "\n" { return nil }
            if scalar == marker {
                var closeEnd = index
                while closeEnd < limit && input[closeEnd] == marker { closeEnd += 1 }
                let runLength = closeEnd - index
                let closesHere =
                    (runLength == length || (allowLonger && runLength > length && runLength <= 3))
                    && !input[index - 1].isMarkdownWhitespace
                    && (marker == "*" || closeEnd == limit || !input[closeEnd].isMarkdownAlphanumeric)
                if closesHere { return (closeEnd - length, closeEnd) }
                index = closeEnd
                continue
            }
            index += 1
        }
        return nil
    }
}
