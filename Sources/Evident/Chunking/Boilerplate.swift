/// Text that every source carries and that is never evidence: disclaimers, copyright and licence notices, "last
/// reviewed" dates, navigation and cookie banners, "to learn more, visit …" referrals, and lines repeated across
/// many documents of a corpus (a site's footer, a demo corpus's disclaimer).
///
/// The chunker leaves such sentences out of passages (a passage never spans one), so that they are neither
/// searched nor cited nor grounded against; the document's stored source keeps them, so every offset still holds.
public struct Boilerplate: Sendable, Hashable {
    /// What kind of boilerplate a sentence is.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// "It is not medical advice", "for informational purposes only".
        case disclaimer
        /// "© 2024 …", "All rights reserved", "licensed under a Creative Commons licence".
        case notice
        /// "Last reviewed: 2025-01-02", "Page last updated".
        case reviewDate
        /// "Skip to main content", "Back to top", "We use cookies …".
        case navigation
        /// "To learn more, visit …", "For more information, see the … section".
        case referral
        /// A line found in many documents of the corpus.
        case repeated
    }

    /// Lines (normalised by ``normalizedLine(_:)``) that occur in so many documents of the corpus that they are
    /// the corpus's furniture rather than its content.
    public var repeatedLines: Set<String>

    /// Creates a detector.
    ///
    /// - Parameter repeatedLines: Normalised lines repeated across the corpus (see ``repeatedLines(in:)``).
    public init(repeatedLines: Set<String> = []) {
        self.repeatedLines = repeatedLines
    }

    /// The fewest documents a line must occur in to count as repeated, and the smallest share of the corpus.
    static let minimumDocuments = 3
    static let minimumShare = 0.05
    /// Lines of fewer words are headings or labels ("Treatment", "Evidence (surgery):"), not furniture.
    static let minimumWords = 4

    /// The lines of at least four words that occur in at least 3 documents and at least 5 % of them.
    ///
    /// - Complexity: O(*n*) in the corpus's characters.
    public static func repeatedLines(in documents: [Document]) -> Set<String> {
        repeatedLines(amongLinesOf: documents.map(candidateLines(of:)))
    }

    /// The lines that count as repeated, given each document's `candidateLines(of:)`.
    public static func repeatedLines(amongLinesOf documents: [Set<String>]) -> Set<String> {
        guard documents.count >= minimumDocuments else { return [] }
        var documentsOfLine: [String: Int] = [:]
        for lines in documents {
            for line in lines { documentsOfLine[line, default: 0] += 1 }
        }
        let threshold = max(minimumDocuments, Int((Double(documents.count) * minimumShare).rounded(.up)))
        return Set(documentsOfLine.filter { $0.value >= threshold }.keys)
    }

    /// The distinct normalised lines of at least four words of `document`: what ``repeatedLines(in:)`` counts (a
    /// document at a time, so that the documents can be read in parallel).
    public static func candidateLines(of document: Document) -> Set<String> {
        var lines = Set<String>()
        for line in document.source.unicodeScalars.split(whereSeparator: isNewline) {
            let normalized = normalized(line)
            if wordCount(normalized) >= minimumWords { lines.insert(normalized) }
        }
        return lines
    }

    /// A source line lowercased, without Markdown's emphasis, list and quote marks at its ends, white space collapsed.
    public static func normalizedLine(_ line: some StringProtocol) -> String { normalized(line.unicodeScalars) }

    /// ``normalizedLine(_:)`` on a line's scalars, a scalar at a time (lowercased by each scalar's lowercase
    /// mapping, as `String.lowercased()` does, without breaking the text into characters).
    private static func normalized<Scalars: BidirectionalCollection<Unicode.Scalar>>(_ line: Scalars) -> String {
        guard let first = line.firstIndex(where: { !isMark($0) }), let last = line.lastIndex(where: { !isMark($0) })
        else { return "" }
        var output = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in line[first...last] {
            if scalar.isASCII ? isASCIIWhitespace(UInt8(scalar.value)) : scalar.properties.isWhitespace {
                pendingSpace = !output.isEmpty
                continue
            }
            if pendingSpace { output.append(" ") }
            pendingSpace = false
            if scalar.isASCII {
                output.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 0x20) ?? scalar : scalar)
            } else {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(output)
    }

    /// Markdown's emphasis, list and quote marks and the white space that ``normalizedLine(_:)`` trims off a line.
    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "*", "_", "#", ">", "-", "|", " ", "\t", "\r": true
        default: false
        }
    }

    /// The line breaks `Character.isNewline` knows: LF, VT, FF, CR, NEL, LS, PS (a CR LF pair leaves an empty line
    /// between, which normalises to nothing).
    private static func isNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    /// Tab, line feed, vertical tab, form feed, carriage return and space: the ASCII characters `isWhitespace`.
    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    /// The source ranges (scalar offsets) of the lines of `document` that are repeated across the corpus.
    func repeatedRanges(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        guard !repeatedLines.isEmpty else { return [] }
        var ranges: [Range<Int>] = []
        var start = 0
        while start < scalars.count {
            var end = start
            while end < scalars.count && scalars[end] != "\n" { end += 1 }
            if end > start, repeatedLines.contains(Self.normalized(scalars[start..<end])) {
                ranges.append(start..<end)
            }
            start = end + 1
        }
        return ranges
    }

    /// The kind of boilerplate that `sentence` (a passage sentence's text) is, by its wording; `nil` for content.
    ///
    /// The phrases are matched on the lowercased text's UTF-8 bytes (every sentence of a corpus is checked, and
    /// matching by characters cost more than chunking itself).
    public static func kind(of sentence: String) -> Kind? {
        let text = Array(sentence.lowercased().utf8)
        func contains(_ phrase: [UInt8]) -> Bool {
            guard let first = phrase.first, phrase.count <= text.count else { return false }
            var start = 0
            while let found = text[start...].firstIndex(of: first), found + phrase.count <= text.count {
                if text[found..<(found + phrase.count)].elementsEqual(phrase) { return true }
                start = found + 1
            }
            return false
        }
        func hasPrefix(_ phrase: [UInt8]) -> Bool { text.starts(with: phrase) }
        let words = wordCount(text)
        if disclaimerPhrases.contains(where: contains) { return .disclaimer }
        if hasPrefix(Array("©".utf8)) || hasPrefix(Array("(c) ".utf8)) || isCopyrightLine(text)
            || noticePhrases.contains(where: contains)
        {
            return .notice
        }
        if words <= 12, reviewDateOpenings.contains(where: hasPrefix) { return .reviewDate }
        if words <= 12, navigationOpenings.contains(where: hasPrefix) { return .navigation }
        if cookiePhrases.contains(where: contains) { return .navigation }
        if words <= 30, referralOpenings.contains(where: hasPrefix) { return .referral }
        return nil
    }

    private static let disclaimerPhrases = utf8([
        "not medical advice", "is not a substitute for professional medical advice",
        "for informational purposes only", "for educational purposes only", "does not provide medical advice",
        "not intended as medical advice", "not intended to replace the advice",
    ])
    private static let noticePhrases = utf8([
        "all rights reserved", "is licensed under a creative commons", "licensed under the creative commons",
        "this work is licensed under", "distributed under the terms of the creative commons",
        "reproduced with permission",
    ])
    private static let reviewDateOpenings = utf8([
        "last reviewed", "last updated", "page last reviewed", "page last updated", "date last modified",
        "last modified", "updated:", "reviewed:", "last revised",
    ])
    private static let navigationOpenings = utf8([
        "skip to main content", "skip to content", "back to top", "go to top", "print this page",
        "share this page", "email this page", "return to top", "jump to navigation", "table of contents",
    ])
    private static let cookiePhrases = utf8([
        "we use cookies", "this website uses cookies", "this site uses cookies", "accept all cookies",
        "cookie settings", "manage cookies",
    ])
    private static let referralOpenings = utf8([
        "to learn more, visit", "to learn more about", "for more information, visit", "for more information, see",
        "for more information about", "for more information on", "see the pdq summary", "visit the nci website",
        "information about ongoing clinical trials is available", "learn more at",
    ])

    private static func utf8(_ phrases: [String]) -> [[UInt8]] { phrases.map { Array($0.utf8) } }

    /// Whether the sentence whose cleaned text is `text` and whose source starts at `sourceStart` is boilerplate,
    /// given the repeated lines' source ranges.
    func isBoilerplate(_ text: String, sourceStart: Int, repeatedRanges: [Range<Int>]) -> Bool {
        repeatedRanges.contains { $0.contains(sourceStart) } || Self.kind(of: text) != nil
    }

    /// "Copyright 2023 …", "Copyright © …", "Copyright (c) …": a notice, not a sentence about copyright.
    private static func isCopyrightLine(_ text: [UInt8]) -> Bool {
        let opening = Array("copyright ".utf8)
        guard text.starts(with: opening) else { return false }
        let next = text.dropFirst(opening.count)
        if let first = next.first, first < 0x80 {
            return (0x30...0x39).contains(first) || next.starts(with: "(c)".utf8)
        }
        // A number in another script, or the © sign.
        let rest = String(decoding: next, as: UTF8.self)
        return rest.first?.isNumber == true || rest.hasPrefix("©")
    }

    /// The words of a text: runs of characters other than white space (ASCII white space, and any other Unicode
    /// white space character).
    private static func wordCount(_ text: some StringProtocol) -> Int { wordCount(Array(text.utf8)) }

    private static func wordCount(_ text: [UInt8]) -> Int {
        if text.allSatisfy({ $0 < 0x80 }) {
            var count = 0
            var inWord = false
            for byte in text {
                if isASCIIWhitespace(byte) {
                    inWord = false
                } else if !inWord {
                    inWord = true
                    count += 1
                }
            }
            return count
        }
        return String(decoding: text, as: UTF8.self).split(whereSeparator: \.isWhitespace).count
    }
}
