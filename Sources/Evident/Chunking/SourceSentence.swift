/// One sentence of a passage, as indexed and as written in the document's source.
///
/// `text` is the cleaned sentence (Markdown markup removed, whitespace normalised), a piece of the passage's
/// ``Passage/text``. `range` is where the sentence is written in ``Document/source``, in Unicode scalar offsets:
/// `String(source.unicodeScalars[range])` is the exact quote, which may hold the markup around and inside the
/// sentence (a link's target, emphasis markers, the citation anchors that follow it), but neither the
/// whitespace around it nor a list item's `- ` or `1. ` marker.
public struct SourceSentence: Sendable, Hashable, Codable {
    /// The cleaned text of the sentence.
    public var text: String
    /// The scalar offsets of the sentence in its document's `source`.
    public var range: Range<Int>

    /// Creates a sentence.
    ///
    /// - Parameters:
    ///   - text: The cleaned text.
    ///   - range: The scalar offsets in the document's source.
    public init(text: String, range: Range<Int>) {
        self.text = text
        self.range = range
    }
}
