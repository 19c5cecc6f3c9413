/// Splits English text into sentences, the way guideline and biomedical prose is written.
///
/// A sentence ends at `.`, `?`, `!` or an ellipsis followed by whitespace (closing quotes and brackets stay
/// with the sentence), and at the end of a list item or paragraph. A period does not end a sentence after an
/// abbreviation ("et al.", "vs.", "e.g.", "i.e.", "Dr.", "Fig. 2", "No. 5", "approx.", "U.S."), after a single
/// capital initial ("J. Smith"), after a list number at the start of a line ("1. "), inside a number ("2.5 mg",
/// "P < .001"), or when the next word starts with a lowercase letter.
public struct SentenceSplitter: Sendable {
    /// Creates a sentence splitter.
    public init() {}

    /// Returns the sentences of `text` as scalar offset ranges into it, trimmed of surrounding whitespace.
    ///
    /// A line break ends a sentence when it ends a paragraph (a blank line follows), when the next line is a
    /// list item, or when the line ends with `.`, `?`, `!` or `:`; other line breaks are hard wraps inside a
    /// sentence.
    ///
    /// - Parameter text: The text to split.
    /// - Returns: Ranges of Unicode scalar offsets into `text`, in order, none empty.
    /// - Complexity: O(*n*), where *n* is the length of `text`.
    public func sentences(in text: String) -> [Range<Int>] {
        sentences(in: text.unicodeScalarArray, everyLineBreakEnds: false)
    }

    /// Returns the sentences of `scalars`; when `everyLineBreakEnds` is set (cleaned passage text, whose line
    /// breaks all separate blocks), every line break ends a sentence.
    package func sentences(in scalars: [Unicode.Scalar], everyLineBreakEnds: Bool) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var sentenceStart = 0
        func close(at end: Int) {
            var lower = sentenceStart
            var upper = end
            while lower < upper && scalars[lower].isMarkdownWhitespace { lower += 1 }
            while upper > lower && scalars[upper - 1].isMarkdownWhitespace { upper -= 1 }
            if lower < upper { result.append(lower..<upper) }
            sentenceStart = end
        }
        var index = 0
        let count = scalars.count
        while index < count {
            let scalar = scalars[index]
            if scalar == "\n" {
                if everyLineBreakEnds || lineBreakEndsSentence(scalars, at: index) { close(at: index) }
                index += 1
                continue
            }
            guard Self.isTerminator(scalar) else {
                index += 1
                continue
            }
            var runEnd = index
            while runEnd < count && Self.isTerminator(scalars[runEnd]) { runEnd += 1 }
            var end = runEnd
            while end < count && Self.closers.contains(scalars[end]) { end += 1 }
            if end == count {
                close(at: end)
                index = end
                continue
            }
            guard scalars[end].isMarkdownWhitespace else {
                index = max(runEnd, index + 1)
                continue
            }
            var next = end
            var crossesLine = false
            while next < count && scalars[next].isMarkdownWhitespace {
                if scalars[next] == "\n" { crossesLine = true }
                next += 1
            }
            if crossesLine && everyLineBreakEnds {
                index = end  // the line break itself closes the sentence
                continue
            }
            if next == count || isBoundary(scalars, terminator: index, runEnd: runEnd, next: next) {
                close(at: end)
            }
            index = end
        }
        close(at: count)
        return result
    }

    static func isTerminator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "." || scalar == "?" || scalar == "!" || scalar == "…"
    }
    static let closers: Set<Unicode.Scalar> = [")", "]", "\"", "'", "”", "’", "»"]
    static let openers: Set<Unicode.Scalar> = ["(", "[", "\"", "'", "“", "‘", "«"]

    /// Words that a period follows without ending the sentence (compared in lowercase, without the period).
    static let abbreviations: Set<String> = [
        "al", "vs", "e.g", "i.e", "dr", "drs", "mr", "mrs", "ms", "prof", "fig", "figs", "approx", "u.s", "u.k",
        "cf", "ca", "st", "jr", "sr", "inc", "ltd", "co", "corp", "vol", "pp", "eq", "dept", "univ", "ref", "refs",
        "resp", "viz", "incl", "min", "max", "mo", "mos", "yr", "yrs", "wk", "wks", "no", "nos", "ed", "eds",
    ]
    /// Words after which a number and a period label a caption ("Table 1. Definitions of TNM").
    static let captionWords: Set<String> = ["table", "figure", "fig", "appendix", "chapter", "box", "exhibit"]
    /// Abbreviations that count as such only before a number ("No. 5", "Fig. 2"), since they are also words.
    static let abbreviationsBeforeNumbers: Set<String> = ["no", "nos", "min", "max", "mo", "mos", "ref", "co"]
    /// Words after which a single capital letter names something ("hepatitis B.") rather than being an initial.
    static let wordsBeforeLetterNames: Set<String> = [
        "vitamin", "hepatitis", "type", "group", "grade", "arm", "phase", "stage", "class", "cohort", "category",
        "level", "part", "schedule", "regimen", "appendix", "table", "figure", "protocol", "section", "trial",
        "study", "list", "option", "cluster", "subtype", "factor", "protein", "kinase", "influenza",
    ]

    private func isBoundary(_ scalars: [Unicode.Scalar], terminator: Int, runEnd: Int, next: Int) -> Bool {
        let following = scalars[next]
        if following.properties.isLowercase { return false }
        // Only a single period can close an abbreviation; "?", "!", "…" and "..." end the sentence.
        guard runEnd - terminator == 1 && scalars[terminator] == "." else { return true }
        var tokenStart = terminator
        while tokenStart > 0 && !scalars[tokenStart - 1].isMarkdownWhitespace { tokenStart -= 1 }
        while tokenStart < terminator && Self.openers.contains(scalars[tokenStart]) { tokenStart += 1 }
        guard tokenStart < terminator else { return true }
        var token = ""
        for offset in tokenStart..<terminator { token.unicodeScalars.append(scalars[offset]) }
        let lowercased = token.lowercased()
        if Self.abbreviations.contains(lowercased) {
            if Self.abbreviationsBeforeNumbers.contains(lowercased) { return !following.isMarkdownDigit }
            return false
        }
        // Dotted initialisms: "U.S.", "e.g.", "a.m.".
        if token.unicodeScalars.count >= 3, isDottedInitialism(token) { return false }
        // A list number at the start of a line: "1. First item".
        if token.unicodeScalars.allSatisfy(\.isMarkdownDigit) {
            if isAtLineStart(scalars, tokenStart) { return false }
            // A caption label: "Table 1. Definitions of TNM".
            if Self.captionWords.contains(previousWord(scalars, before: tokenStart).lowercased()) { return false }
        }
        // A single capital initial: "J. Smith" — but "hepatitis B. Treatment" ends a sentence.
        if token.unicodeScalars.count == 1, let letter = token.unicodeScalars.first,
            letter.properties.isUppercase
        {
            let previous = previousWord(scalars, before: tokenStart).lowercased()
            return Self.wordsBeforeLetterNames.contains(previous)
        }
        return true
    }

    private func isDottedInitialism(_ token: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2
            && parts.allSatisfy {
                $0.unicodeScalars.count == 1 && $0.unicodeScalars.allSatisfy(\.properties.isAlphabetic)
            }
    }

    private func isAtLineStart(_ scalars: [Unicode.Scalar], _ position: Int) -> Bool {
        var index = position
        while index > 0 {
            let scalar = scalars[index - 1]
            if scalar == "\n" { return true }
            if !scalar.isMarkdownWhitespace { return false }
            index -= 1
        }
        return true
    }

    private func previousWord(_ scalars: [Unicode.Scalar], before position: Int) -> String {
        var end = position
        while end > 0 && scalars[end - 1].isMarkdownWhitespace { end -= 1 }
        var start = end
        while start > 0 && scalars[start - 1].properties.isAlphabetic { start -= 1 }
        var word = ""
        for offset in start..<end { word.unicodeScalars.append(scalars[offset]) }
        return word
    }

    /// Whether the line break at `index` in free text (not cleaned passage text) ends a sentence.
    private func lineBreakEndsSentence(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var next = index + 1
        while next < scalars.count && scalars[next].isMarkdownSpaceOrTab { next += 1 }
        guard next < scalars.count else { return true }
        if scalars[next] == "\n" || scalars[next] == "\r" { return true }  // a blank line
        if startsListItem(scalars, at: next) { return true }
        var previous = index
        while previous > 0 && scalars[previous - 1].isMarkdownWhitespace { previous -= 1 }
        guard previous > 0 else { return true }
        let last = scalars[previous - 1]
        return Self.isTerminator(last) || last == ":"
            || Self.closers.contains(last)
                && previous >= 2 && Self.isTerminator(scalars[previous - 2])
    }

    private func startsListItem(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        let scalar = scalars[index]
        let hasSpaceAfter = { (position: Int) in position < scalars.count && scalars[position].isMarkdownSpaceOrTab }
        if scalar == "-" || scalar == "*" || scalar == "•" || scalar == "+" { return hasSpaceAfter(index + 1) }
        var end = index
        while end < scalars.count && scalars[end].isMarkdownDigit { end += 1 }
        return end > index && end < scalars.count && (scalars[end] == "." || scalars[end] == ")")
            && hasSpaceAfter(end + 1)
    }
}
