/// Cuts documents into passages: runs of whole sentences from one section, packed up to a word budget.
///
/// Markdown documents follow their heading structure: a passage never spans two sections, its
/// ``Passage/sectionPath`` is the path of headings above it (the document-title headings left out), and
/// "References" sections are left out (their anchors become each passage's ``Passage/references``). Plain text
/// documents are cut the same way without headings. A BEIR document is a single passage. Documents whose reader
/// found their outline (PubMed, JATS, HTML, PDF) are cut section by section of ``Document/sections``, their text
/// read as plain text; their reference mentions give each passage's references, and a PDF's pages its pages.
/// Sentences that ``Boilerplate`` recognises are left out, and no passage spans one.
///
/// Every passage satisfies `MarkdownCleaner.clean(source[passage.range], as: format) == passage.text` (for
/// Markdown, `MarkdownCleaner.clean(source[passage.range])`), with `range` in Unicode scalar offsets. The range
/// runs from the first kept scalar of the passage to the end of its last, widened to take in the markup
/// around them (an opening `**` or `[`, a closing `](/url)`) and the citation anchors and evidence markers that
/// follow the last sentence, so that the quote is whole and the passage keeps its references.
public struct Chunker: Sendable {
    /// The word budget and overlap.
    public var configuration: ChunkerConfiguration
    /// What is left out of passages: disclaimers, notices, navigation and the corpus's repeated lines.
    public var boilerplate = Boilerplate()

    private let splitter = SentenceSplitter()

    /// Creates a chunker.
    ///
    /// - Parameter configuration: The word budget and overlap.
    public init(configuration: ChunkerConfiguration = .default) {
        self.configuration = configuration
    }

    /// Returns the passages of a document, in document order, numbered from 0.
    ///
    /// - Parameter document: The document to cut.
    /// - Returns: The passages; none when the document has no text.
    /// - Complexity: O(*n*), where *n* is the length of the document's source.
    public func passages(of document: Document) -> [Passage] {
        let scalars = document.source.unicodeScalarArray
        let body = document.bodyRange.clamped(to: 0..<scalars.count)
        var passages: [Passage] = []
        // The corpus's repeated lines, found in this document once.
        let repeatedRanges = document.format == .beir ? [] : boilerplate.repeatedRanges(in: scalars)
        switch document.format {
        case .beir:
            let cleaned = MarkdownCleaner.cleanedText(of: scalars, in: body, interpretingMarkup: false)
            guard let first = cleaned.scalars.indices.first, let last = cleaned.scalars.indices.last else { return [] }
            let range = cleaned.startBoundaries[first]..<cleaned.endBoundaries[last]
            passages.append(
                Passage(
                    documentID: document.id, ordinal: 0, sectionPath: [], range: range, text: cleaned.text,
                    evidenceLevels: cleaned.evidenceLevels(in: range), references: cleaned.references(in: range)))
        case .text:
            appendPassages(
                of: body, sectionPath: [], in: scalars, interpretingMarkup: false, document: document,
                repeatedRanges: repeatedRanges,
                to: &passages)
        case .markdown:
            for section in Self.sections(of: scalars, body: body, title: document.title) {
                appendPassages(
                    of: section.range, sectionPath: section.path, in: scalars, interpretingMarkup: true,
                    document: document, repeatedRanges: repeatedRanges, to: &passages)
            }
        case .pubmed, .jats, .html, .pdf:
            for section in document.sections {
                appendPassages(
                    of: section.range.clamped(to: 0..<scalars.count), sectionPath: section.path, in: scalars,
                    interpretingMarkup: false, document: document, repeatedRanges: repeatedRanges, to: &passages)
            }
            if !document.referenceMentions.isEmpty { Self.resolveReferences(of: &passages, in: document) }
            if !document.pages.isEmpty {
                for index in passages.indices {
                    passages[index].pages = document.pageReferences(of: passages[index].range)
                }
            }
        }
        return passages
    }

    /// Gives each passage the numbers (from 1) of the bibliography entries that its text cites, in order of first
    /// mention: entry *n* of ``Document/bibliography`` is reference *n* + 1.
    static func resolveReferences(of passages: inout [Passage], in document: Document) {
        let mentions = document.referenceMentions.sorted { $0.offset < $1.offset }
        for index in passages.indices {
            let range = passages[index].range
            var low = 0
            var high = mentions.count
            while low < high {
                let middle = (low + high) / 2
                if mentions[middle].offset < range.lowerBound { low = middle + 1 } else { high = middle }
            }
            var numbers: [Int] = []
            var position = low
            while position < mentions.count && mentions[position].offset < range.upperBound {
                let number = mentions[position].entry + 1
                if !numbers.contains(number) { numbers.append(number) }
                position += 1
            }
            passages[index].references = numbers
        }
    }

    // MARK: Sections

    struct Section {
        var path: [String]
        var range: Range<Int>
    }

    /// The sections of a Markdown body: the text between headings, with the heading path above it. Sections
    /// under a "References" heading are left out.
    static func sections(of scalars: [Unicode.Scalar], body: Range<Int>, title: String) -> [Section] {
        let parser = CleaningParser(input: scalars)
        let titleStem = Self.titleStem(title)
        var stack: [(level: Int, text: String)] = []
        var sections: [Section] = []
        var sectionStart = body.lowerBound
        var path: [String] = []
        var isExcluded = false
        var isInTitleRun = false
        func closeSection(at end: Int) {
            if !isExcluded && sectionStart < end { sections.append(Section(path: path, range: sectionStart..<end)) }
        }
        var lineStart = body.lowerBound
        while lineStart < body.upperBound {
            var lineEnd = lineStart
            while lineEnd < body.upperBound && scalars[lineEnd] != "\n" { lineEnd += 1 }
            if case .heading(let contentStart, let contentEnd) = parser.classifyLine(lineStart..<lineEnd) {
                closeSection(at: lineStart)
                var level = 0
                for offset in lineStart..<contentStart where scalars[offset] == "#" { level += 1 }
                let text = MarkdownCleaner.cleanedText(of: scalars, in: contentStart..<contentEnd).text
                while let last = stack.last, last.level >= level { stack.removeLast() }
                // The leading run of "#" headings repeats the title ("# X - NCI", "# X–Health Professional
                // Version", or a longer variant of it) when its first heading does.
                let continuesTitleRun =
                    level == 1 && isInTitleRun && stack.isEmpty
                    && !scalars[sectionStart..<lineStart].contains { !$0.isMarkdownWhitespace }
                if level == 1 && (isTitleHeading(text, titleStem: titleStem) || continuesTitleRun) {
                    isInTitleRun = true
                    stack.removeAll()
                } else if !text.isEmpty {  // an empty heading ("##") only closes the sections at its level
                    stack.append((level, text))
                }
                if !stack.isEmpty { isInTitleRun = false }
                path = stack.map(\.text)
                isExcluded = path.contains { $0.lowercased() == "references" }
                sectionStart = min(lineEnd + 1, body.upperBound)
            }
            lineStart = lineEnd + 1
        }
        closeSection(at: body.upperBound)
        return sections
    }

    /// The title without a trailing site name ("Malignant Mesothelioma Treatment (PDQ®) - NCI" →
    /// "malignant mesothelioma treatment (pdq®)"), lowercased.
    static func titleStem(_ title: String) -> String {
        var stem = Array(title.lowercased().unicodeScalars)
        var index = stem.count - 3
        while index >= 0 {
            if stem[index] == " " && stem[index + 1] == "-" && stem[index + 2] == " " {
                let suffixLength = stem.count - index - 3
                if suffixLength > 0 && suffixLength <= 20 { stem.removeSubrange(index...) }
                break
            }
            index -= 1
        }
        while let last = stem.last, last.isMarkdownWhitespace { stem.removeLast() }
        while let first = stem.first, first.isMarkdownWhitespace { stem.removeFirst() }
        return String(decodingScalars: stem)
    }

    /// Whether a top-level heading merely repeats the document title.
    static func isTitleHeading(_ heading: String, titleStem: String) -> Bool {
        guard !titleStem.isEmpty else { return false }
        let heading = heading.lowercased()
        return heading.hasPrefix(titleStem) || (titleStem.hasPrefix(heading) && !heading.isEmpty)
    }

    // MARK: Packing

    /// Cleans one section, splits it into sentences and packs them into passages.
    private func appendPassages(
        of range: Range<Int>, sectionPath: [String], in scalars: [Unicode.Scalar], interpretingMarkup: Bool,
        document: Document, repeatedRanges: [Range<Int>], to passages: inout [Passage]
    ) {
        let cleaned = MarkdownCleaner.cleanedText(of: scalars, in: range, interpretingMarkup: interpretingMarkup)
        guard !cleaned.scalars.isEmpty else { return }
        var sentences = Self.mergingCutConstructs(
            splitter.sentences(in: cleaned.scalars, everyLineBreakEnds: true), cleaned: cleaned)
        guard !sentences.isEmpty else { return }
        let cutBeyond = Self.overlongFactor * configuration.maxWords
        var wordPrefix = Self.wordPrefix(of: sentences, in: cleaned)
        if zip(wordPrefix, wordPrefix.dropFirst()).contains(where: { $1 - $0 > cutBeyond }) {
            sentences = Self.splittingOverlongSentences(
                sentences, cleaned: cleaned, maximumWords: configuration.maxWords, cutBeyond: cutBeyond)
            wordPrefix = Self.wordPrefix(of: sentences, in: cleaned)
        }
        func words(_ sentenceRange: Range<Int>) -> Int {
            wordPrefix[sentenceRange.upperBound] - wordPrefix[sentenceRange.lowerBound]
        }
        // Boilerplate sentences are left out, and no passage spans one: each run between them is packed alone.
        var runStart = 0
        for (position, sentence) in sentences.enumerated() {
            let text = String(decodingScalars: cleaned.scalars[sentence])
            guard
                boilerplate.isBoilerplate(
                    text, sourceStart: cleaned.startBoundaries[sentence.lowerBound], repeatedRanges: repeatedRanges)
            else { continue }
            pack(runStart..<position)
            runStart = position + 1
        }
        pack(runStart..<sentences.count)

        /// Packs sentences `run` into passages of at most the word budget, overlapping as configured.
        func pack(_ run: Range<Int>) {
            let budget = configuration.maxWords
            var next = run.lowerBound
            var previous: Range<Int>?
            while next < run.upperBound {
                var first = next
                if let previous, configuration.overlapSentences > 0 {
                    first = max(previous.upperBound - configuration.overlapSentences, previous.lowerBound)
                    while first < next && words(first..<next + 1) > budget { first += 1 }
                }
                var end = next + 1
                while end < run.upperBound && words(first..<end + 1) <= budget { end += 1 }
                let textRange = sentences[first].lowerBound..<sentences[end - 1].upperBound
                let sourceRange =
                    cleaned.startBoundaries[textRange.lowerBound]..<cleaned.endBoundaries[textRange.upperBound - 1]
                passages.append(
                    Passage(
                        documentID: document.id, ordinal: passages.count, sectionPath: sectionPath, range: sourceRange,
                        text: String(decodingScalars: cleaned.scalars[textRange]),
                        evidenceLevels: cleaned.evidenceLevels(in: sourceRange),
                        references: cleaned.references(in: sourceRange)))
                previous = first..<end
                next = end
            }
        }
    }

    /// Joins sentences whose boundary would cut a link, an emphasis or a table row in half, so that every
    /// passage range starts and ends outside such markup.
    static func mergingCutConstructs(_ sentences: [Range<Int>], cleaned: CleanedText) -> [Range<Int>] {
        guard sentences.count > 1, !cleaned.unsplittableRanges.isEmpty else { return sentences }
        // A boundary after position p is cut when a construct starting at or before p ends after the next
        // sentence's start; constructs are met in order of their start as the boundaries move forward.
        let constructs = cleaned.unsplittableRanges.sorted { $0.lowerBound < $1.lowerBound }
        var nextConstruct = 0
        var furthestEnd = 0  // of the constructs met so far
        func reach(through position: Int) -> Int {
            while nextConstruct < constructs.count && constructs[nextConstruct].lowerBound <= position {
                furthestEnd = max(furthestEnd, constructs[nextConstruct].upperBound)
                nextConstruct += 1
            }
            return furthestEnd
        }
        var merged: [Range<Int>] = []
        var current = sentences[0]
        for sentence in sentences.dropFirst() {
            if reach(through: current.upperBound - 1) > sentence.lowerBound {
                current = current.lowerBound..<sentence.upperBound
            } else {
                merged.append(current)
                current = sentence
            }
        }
        merged.append(current)
        return merged
    }

    /// A sentence longer than this many word budgets is not a sentence but text without sentence ends (a table
    /// flattened into one line, a file of one 50 MB line): it is cut into pieces of one budget. Shorter ones stay
    /// whole, a passage of their own when they exceed the budget.
    static let overlongFactor = 4

    /// Cuts every sentence of more than `cutBeyond` words into pieces of at most `maximumWords`, each ending at a
    /// word and starting at the next one that no link, emphasis or table row spans, so that a text without
    /// sentence ends still becomes passages within the word budget.
    ///
    /// - Complexity: O(*n* + *c* log *c*) for *n* scalars in the sentences and *c* unsplittable constructs.
    static func splittingOverlongSentences(
        _ sentences: [Range<Int>], cleaned: CleanedText, maximumWords: Int, cutBeyond: Int
    ) -> [Range<Int>] {
        guard maximumWords > 0 else { return sentences }
        let constructs = cleaned.unsplittableRanges.sorted { $0.lowerBound < $1.lowerBound }
        var nextConstruct = 0
        var furthestEnd = 0  // of the constructs that start before the position looked at
        func isInsideConstruct(_ position: Int) -> Bool {
            while nextConstruct < constructs.count && constructs[nextConstruct].lowerBound < position {
                furthestEnd = max(furthestEnd, constructs[nextConstruct].upperBound)
                nextConstruct += 1
            }
            return furthestEnd > position
        }
        var pieces: [Range<Int>] = []
        pieces.reserveCapacity(sentences.count)
        for sentence in sentences {
            guard wordCount(cleaned.scalars[sentence]) > cutBeyond else {
                pieces.append(sentence)
                continue
            }
            var pieceStart = sentence.lowerBound
            var words = 0
            var lastWordEnd = sentence.lowerBound
            var inWord = false
            for position in sentence {
                if cleaned.scalars[position].isMarkdownWhitespace {
                    if inWord { lastWordEnd = position }
                    inWord = false
                    continue
                }
                if !inWord {
                    inWord = true
                    words += 1
                    if words > maximumWords, position > pieceStart, !isInsideConstruct(position) {
                        pieces.append(pieceStart..<lastWordEnd)
                        pieceStart = position
                        words = 1
                    }
                }
            }
            pieces.append(pieceStart..<sentence.upperBound)
        }
        return pieces
    }

    /// The words before each sentence and in all of them: `[0, w₀, w₀ + w₁, …]`.
    static func wordPrefix(of sentences: [Range<Int>], in cleaned: CleanedText) -> [Int] {
        var prefix = [0]
        prefix.reserveCapacity(sentences.count + 1)
        for sentence in sentences { prefix.append(prefix[prefix.count - 1] + wordCount(cleaned.scalars[sentence])) }
        return prefix
    }

    /// The number of whitespace-separated words in `scalars`.
    static func wordCount(_ scalars: ArraySlice<Unicode.Scalar>) -> Int {
        var count = 0
        var inWord = false
        for scalar in scalars {
            if scalar.isMarkdownWhitespace {
                inWord = false
            } else if !inWord {
                inWord = true
                count += 1
            }
        }
        return count
    }
}
