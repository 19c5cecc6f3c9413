/// A retrievable unit of text: a run of whole sentences from one section of one document.
///
/// `text` is the cleaned text that is indexed and shown (Markdown markup, link targets and citation anchors
/// removed); `range` is where it came from in `Document.source`, in Unicode scalar offsets, so that cleaning
/// `source[range]` gives back `text` and a citation can quote the original exactly.
public struct Passage: Sendable, Hashable, Codable {
    /// The identifier of the document the passage belongs to.
    public var documentID: String
    /// The passage's position among its document's passages, from 0.
    public var ordinal: Int
    /// The headings above the passage, outermost first (the document title heading excluded).
    public var sectionPath: [String]
    /// The scalar offsets of the passage in its document's `source`.
    public var range: Range<Int>
    /// The cleaned text.
    public var text: String
    /// Levels of evidence cited in the passage ("C1", "A2" …), in order of first appearance.
    public var evidenceLevels: [String]
    /// The reference numbers that the passage's citation anchors point to, in order of first appearance.
    public var references: [Int]
    /// The pages the passage lies on (a PDF's; a passage may cross a page break), in order; empty for documents
    /// without pages.
    public var pages: [PageReference] = []

    /// Creates a passage.
    ///
    /// - Parameters:
    ///   - documentID: The identifier of the document the passage belongs to.
    ///   - ordinal: The passage's position in its document.
    ///   - sectionPath: The headings above the passage, outermost first.
    ///   - range: The scalar offsets of the passage in the document's source.
    ///   - text: The cleaned text.
    ///   - evidenceLevels: Levels of evidence cited in the passage.
    ///   - references: Reference numbers cited in the passage.
    public init(
        documentID: String, ordinal: Int, sectionPath: [String], range: Range<Int>, text: String,
        evidenceLevels: [String] = [], references: [Int] = []
    ) {
        self.documentID = documentID
        self.ordinal = ordinal
        self.sectionPath = sectionPath
        self.range = range
        self.text = text
        self.evidenceLevels = evidenceLevels
        self.references = references
    }

    /// The first page the passage lies on, if the document has pages.
    public var page: PageReference? { pages.first }

    /// The section path joined for display: "Treatment › Nivolumab and ipilimumab".
    public var section: String { sectionPath.joined(separator: " › ") }
}
