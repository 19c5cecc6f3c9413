/// Splits the passages of one document into sentences that can be quoted from the document's source.
///
/// The passage's source range is cleaned again, with the map from cleaned text back to the source that
/// ``MarkdownCleaner`` keeps, and split by ``SentenceSplitter`` exactly as the ``Chunker`` split it, so that
/// sentence and passage boundaries agree. For every sentence of a passage made by the ``Chunker``:
///
/// - `sentence.range` lies inside `passage.range`, is not empty, and the sentences come in order without
///   overlapping;
/// - `sentence.text` is a piece of `passage.text`, without a list item's marker;
/// - the quote cleans back to the sentence: `MarkdownCleaner.clean(source[sentence.range], as: document.format)
///   == sentence.text`, except for the quotes that read otherwise once cut out of their paragraph, which
///   ``MarkdownCleaner/cleanInline(_:as:)`` cleans back to the sentence: a sentence made only of links (a
///   paragraph of links alone is navigation, which `clean` drops), and one starting with what opens a list item
///   or heading at the start of a line (`* Corresponding author.` after another sentence on its line).
///
/// A sentence boundary that would cut a link, an emphasis or a table row in half is not one: the sentences on
/// either side stay one, as in the passage.
///
/// The splitter holds the document's scalars, so make one per document and ask it for each of its passages.
public struct PassageSentenceSplitter: Sendable {
    /// The document whose passages are split.
    public let document: Document

    private let scalars: [Unicode.Scalar]
    private let splitter = SentenceSplitter()

    /// Creates a splitter for the passages of `document`.
    ///
    /// - Parameter document: The document the passages come from.
    /// - Complexity: O(*n*), where *n* is the length of the document's source.
    public init(document: Document) {
        self.document = document
        self.scalars = document.source.unicodeScalarArray
    }

    /// Returns the sentences of a passage of the document, in order.
    ///
    /// - Parameter passage: A passage of ``document``, whose `range` is in the document's source.
    /// - Returns: The sentences with their cleaned text and their ranges in the document's source; none when the
    ///   passage's range holds no text.
    /// - Complexity: O(*m*), where *m* is the length of the passage's range.
    public func sentences(of passage: Passage) -> [SourceSentence] {
        let range = passage.range.clamped(to: 0..<scalars.count)
        let cleaned = MarkdownCleaner.cleanedText(
            of: scalars, in: range, interpretingMarkup: document.format == .markdown)
        guard !cleaned.scalars.isEmpty else { return [] }
        let sentenceRanges = Chunker.mergingCutConstructs(
            splitter.sentences(in: cleaned.scalars, everyLineBreakEnds: true), cleaned: cleaned)
        var sentences: [SourceSentence] = []
        sentences.reserveCapacity(sentenceRanges.count)
        var blockIndex = 0
        for sentence in sentenceRanges {
            let lower = cleaned.textStart(of: sentence, blockIndex: &blockIndex)
            guard lower < sentence.upperBound else { continue }
            sentences.append(
                SourceSentence(
                    text: String(decodingScalars: cleaned.scalars[lower..<sentence.upperBound]),
                    range: cleaned.startBoundaries[lower]..<cleaned.endBoundaries[sentence.upperBound - 1]))
        }
        return sentences
    }
}

extension CleanedText {
    /// Where the text of `sentence` starts: after the list marker when the sentence opens a list item.
    ///
    /// `blockIndex` walks ``blocks`` forward; pass it to successive calls for sentences in order.
    func textStart(of sentence: Range<Int>, blockIndex: inout Int) -> Int {
        while blockIndex < blocks.count && blocks[blockIndex].range.upperBound <= sentence.lowerBound {
            blockIndex += 1
        }
        guard blockIndex < blocks.count else { return sentence.lowerBound }
        let block = blocks[blockIndex]
        if block.kind == .listItem && block.range.lowerBound == sentence.lowerBound {
            return block.contentStart
        }
        return sentence.lowerBound
    }
}
