/// Splits an answer, in Markdown or plain text, into the claims to ground and the pieces that assert nothing.
///
/// The answer is cleaned by ``MarkdownCleaner`` and split by ``SentenceSplitter``, which knows abbreviations
/// ("e.g.", "vs.", "et al.") and decimals. Each sentence of a paragraph is a piece, and so is each sentence of a
/// list item (without its marker); a heading is one piece; HTML comments give nothing. A piece is a claim unless
/// it is a heading, a question, a call to action addressed to the reader ("Ask your care team …", "Talk to your
/// doctor …", "Call …") or a disclaimer ("for informational purposes only", "not medical advice").
///
/// A claim is split into ``ClaimPart``s where each part stands on its own as a clause: at a `;`, and at `, and`
/// or `, but` when both sides have a subject and a finite verb of their own. Noun lists ("nivolumab plus
/// ipilimumab", "high fever and low blood pressure") are not split. A passive verb phrase sharing its subject
/// ("CAR T cells are grown in large numbers and infused back into the patient") gives two parts, the second
/// rebuilt with the shared subject and verb ("CAR T cells are infused back into the patient"). The rules look
/// at words only, no grammar: where they are unsure, the claim stays whole.
public struct ClaimSplitter: Sendable {
    private let splitter = SentenceSplitter()

    /// Creates a claim splitter.
    public init() {}

    /// Returns the claims and other pieces of an answer, in reading order.
    ///
    /// - Parameter answer: The answer, in Markdown or plain text.
    /// - Returns: The pieces of the answer; none for an answer without text.
    /// - Complexity: O(*n*) for ordinary text, where *n* is the length of `answer`.
    public func claims(in answer: String) -> [AnswerClaim] {
        let scalars = answer.unicodeScalarArray
        guard Self.isPlainText(scalars) else { return claims(in: scalars, range: 0..<scalars.count, isLine: false) }
        // Plain text pasted from a chat window or a web page: each line is a piece of its own (a bare heading,
        // a labelled step), unless it runs on into the next line mid-sentence.
        return Self.lineGroups(of: scalars).flatMap { claims(in: scalars, range: $0, isLine: true) }
    }

    /// The pieces of `scalars[range]`; `isLine` when the range is one line (or lines run together) of plain
    /// text, where a short line in title case without a full stop is a heading.
    private func claims(in scalars: [Unicode.Scalar], range: Range<Int>, isLine: Bool) -> [AnswerClaim] {
        let cleaned = MarkdownCleaner.cleanedText(of: scalars, in: range)
        let sentences = splitter.sentences(in: cleaned.scalars, everyLineBreakEnds: true)
        let locator = SourceLocator(source: scalars, cleaned: cleaned)
        var claims: [AnswerClaim] = []
        var sentenceIndex = 0
        for block in cleaned.blocks {
            var blockSentences: [Range<Int>] = []
            while sentenceIndex < sentences.count && sentences[sentenceIndex].lowerBound < block.range.upperBound {
                let sentence = sentences[sentenceIndex]
                sentenceIndex += 1
                let lower = max(sentence.lowerBound, block.contentStart)
                if lower < sentence.upperBound { blockSentences.append(lower..<sentence.upperBound) }
            }
            if block.kind == .heading {
                let heading = block.contentStart..<block.range.upperBound
                claims.append(
                    AnswerClaim(
                        text: locator.text(of: heading), range: locator.sourceRange(of: heading),
                        kind: .notAClaim(.heading), parts: []))
                continue
            }
            if isLine, blockSentences.count == 1, let only = blockSentences.first,
                Self.isBareHeading(locator.text(of: only))
            {
                claims.append(
                    AnswerClaim(
                        text: locator.text(of: only), range: locator.sourceRange(of: only),
                        kind: .notAClaim(.heading), parts: []))
                continue
            }
            for sentence in blockSentences {
                let text = locator.text(of: sentence)
                if let reason = Self.nonClaimReason(of: text) {
                    claims.append(
                        AnswerClaim(
                            text: text, range: locator.sourceRange(of: sentence), kind: .notAClaim(reason),
                            parts: []))
                    continue
                }
                // A label that opens a line ("Extraction: Doctors remove …") is not part of what is claimed.
                let claimed = Self.withoutLabel(sentence, in: cleaned.scalars)
                let parts = Self.parts(of: claimed, in: cleaned.scalars).map { part in
                    var text = locator.text(of: part.range)
                    if let shared = part.sharedPrefix { text = locator.text(of: shared) + " " + text }
                    return ClaimPart(
                        text: text, range: locator.sourceRange(of: part.range), isRebuilt: part.sharedPrefix != nil)
                }
                claims.append(
                    AnswerClaim(text: text, range: locator.sourceRange(of: sentence), kind: .claim, parts: parts))
            }
        }
        return claims
    }
}

/// Maps ranges of cleaned text back to the source they came from.
struct SourceLocator {
    let source: [Unicode.Scalar]
    let cleaned: CleanedText

    /// The cleaned text of `range`.
    func text(of range: Range<Int>) -> String {
        String(decodingScalars: cleaned.scalars[range])
    }

    /// The source range of the cleaned `range`, as tight as it can be while its inline cleaning still gives
    /// back the text: widened to the markup around it (`*…*`, `[…](url)`) when that markup lies whole inside,
    /// else only from its first kept scalar to its last.
    func sourceRange(of range: Range<Int>) -> Range<Int> {
        let last = range.upperBound - 1
        let wide = cleaned.startBoundaries[range.lowerBound]..<cleaned.endBoundaries[last]
        let text = text(of: range)
        let starts = [wide.lowerBound, cleaned.sourceOffsets[range.lowerBound]]
        let ends = [wide.upperBound, cleaned.sourceOffsets[last] + 1]
        for start in starts {
            for end in ends where start < end {
                let quote = String(decodingScalars: source[start..<end])
                if MarkdownCleaner.cleanInline(quote[...], as: .markdown) == text { return start..<end }
            }
        }
        return wide
    }
}
