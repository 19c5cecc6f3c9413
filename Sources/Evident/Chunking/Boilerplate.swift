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
        guard documents.count >= minimumDocuments else { return [] }
        var documentsOfLine: [String: Int] = [:]
        for document in documents {
            var seen = Set<String>()
            for line in document.source.split(whereSeparator: \.isNewline) {
                let normalized = normalizedLine(line)
                guard wordCount(normalized) >= minimumWords, seen.insert(normalized).inserted else { continue }
                documentsOfLine[normalized, default: 0] += 1
            }
        }
        let threshold = max(minimumDocuments, Int((Double(documents.count) * minimumShare).rounded(.up)))
        return Set(documentsOfLine.filter { $0.value >= threshold }.keys)
    }

    /// A source line lowercased, without Markdown's emphasis, list and quote marks at its ends, white space collapsed.
    public static func normalizedLine(_ line: some StringProtocol) -> String {
        let marks: Set<Character> = ["*", "_", "#", ">", "-", "|", " ", "\t", "\r"]
        let trimmed = line.drop { marks.contains($0) }.reversed().drop { marks.contains($0) }.reversed()
        var output = ""
        var pendingSpace = false
        for character in String(trimmed).lowercased() {
            if character.isWhitespace {
                pendingSpace = !output.isEmpty
            } else {
                if pendingSpace { output.append(" ") }
                pendingSpace = false
                output.append(character)
            }
        }
        return output
    }

    /// The source ranges (scalar offsets) of the lines of `document` that are repeated across the corpus.
    func repeatedRanges(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        guard !repeatedLines.isEmpty else { return [] }
        var ranges: [Range<Int>] = []
        var start = 0
        while start < scalars.count {
            var end = start
            while end < scalars.count && scalars[end] != "\n" { end += 1 }
            if end > start {
                let line = String(String.UnicodeScalarView(scalars[start..<end]))
                if repeatedLines.contains(Self.normalizedLine(line)) { ranges.append(start..<end) }
            }
            start = end + 1
        }
        return ranges
    }

    /// The kind of boilerplate that `sentence` (a passage sentence's text) is, by its wording; `nil` for content.
    public static func kind(of sentence: String) -> Kind? {
        let text = sentence.lowercased()
        let words = wordCount(text)
        if disclaimerPhrases.contains(where: text.contains) { return .disclaimer }
        if text.hasPrefix("©") || text.hasPrefix("(c) ") || isCopyrightLine(text)
            || noticePhrases.contains(where: text.contains)
        {
            return .notice
        }
        if words <= 12, reviewDateOpenings.contains(where: text.hasPrefix) { return .reviewDate }
        if words <= 12, navigationOpenings.contains(where: text.hasPrefix) { return .navigation }
        if cookiePhrases.contains(where: text.contains) { return .navigation }
        if words <= 30, referralOpenings.contains(where: text.hasPrefix) { return .referral }
        return nil
    }

    private static let disclaimerPhrases = [
        "not medical advice", "is not a substitute for professional medical advice",
        "for informational purposes only", "for educational purposes only", "does not provide medical advice",
        "not intended as medical advice", "not intended to replace the advice",
    ]
    private static let noticePhrases = [
        "all rights reserved", "is licensed under a creative commons", "licensed under the creative commons",
        "this work is licensed under", "distributed under the terms of the creative commons",
        "reproduced with permission",
    ]
    private static let reviewDateOpenings = [
        "last reviewed", "last updated", "page last reviewed", "page last updated", "date last modified",
        "last modified", "updated:", "reviewed:", "last revised",
    ]
    private static let navigationOpenings = [
        "skip to main content", "skip to content", "back to top", "go to top", "print this page",
        "share this page", "email this page", "return to top", "jump to navigation", "table of contents",
    ]
    private static let cookiePhrases = [
        "we use cookies", "this website uses cookies", "this site uses cookies", "accept all cookies",
        "cookie settings", "manage cookies",
    ]
    private static let referralOpenings = [
        "to learn more, visit", "to learn more about", "for more information, visit", "for more information, see",
        "for more information about", "for more information on", "see the pdq summary", "visit the nci website",
        "information about ongoing clinical trials is available", "learn more at",
    ]

    /// Whether the sentence whose cleaned text is `text` and whose source starts at `sourceStart` is boilerplate,
    /// given the repeated lines' source ranges.
    func isBoilerplate(_ text: String, sourceStart: Int, repeatedRanges: [Range<Int>]) -> Bool {
        repeatedRanges.contains { $0.contains(sourceStart) } || Self.kind(of: text) != nil
    }

    /// "Copyright 2023 …", "Copyright © …", "Copyright (c) …": a notice, not a sentence about copyright.
    private static func isCopyrightLine(_ text: String) -> Bool {
        guard text.hasPrefix("copyright ") else { return false }
        let next = text.dropFirst("copyright ".count)
        return next.first?.isNumber == true || next.hasPrefix("©") || next.hasPrefix("(c)")
    }

    private static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count
    }
}
