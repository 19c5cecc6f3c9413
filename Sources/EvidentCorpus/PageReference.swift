/// A page a passage or quote lies on: its physical number and, when the document's page labels give one, its
/// number as printed.
public struct PageReference: Sendable, Hashable, Codable {
    /// The physical page number, from 1.
    public var number: Int
    /// The page's label as printed ("iv", "12"), if any.
    public var label: String?

    /// Creates a page reference.
    ///
    /// - Parameters:
    ///   - number: The physical page number, from 1.
    ///   - label: The printed label, if any.
    public init(number: Int, label: String? = nil) {
        self.number = number
        self.label = label
    }

    /// How a citation names the page: its printed label when it has one, else its number ("p. iv", "p. 12").
    public var displayLabel: String { label ?? String(number) }
}

extension Document {
    /// The pages that the scalar range `range` of the source lies on, in order; empty without pages.
    public func pageReferences(of range: Range<Int>) -> [PageReference] {
        pages(of: range).map { PageReference(number: $0.number, label: $0.label) }
    }
}
