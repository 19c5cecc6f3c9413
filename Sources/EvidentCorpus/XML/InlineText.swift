/// The inline text of one paragraph as it is put together, white space collapsed as it goes (so that the offsets
/// of the reference mentions in it hold in the final text); ``XMLElement/collapsingSpace(_:)`` is one run of it.
struct InlineText {
    private(set) var text = ""
    /// Mentions of references: where in `text`, the cited entry's key, and whether the mention closes a range
    /// opened by the one before it ("[1–5]" written as two references with a dash between them).
    private(set) var citations: [(offset: Int, key: String, closesRange: Bool)] = []
    private var scalarCount = 0
    private var pendingSpace = false
    /// Where the last mention ended in `text`, in scalars.
    private var lastMentionEnd: Int?

    var isEmpty: Bool { text.isEmpty }

    /// Appends a run of text.
    mutating func append(_ run: String) {
        for scalar in run.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !text.isEmpty
            } else {
                if pendingSpace {
                    text.unicodeScalars.append(" ")
                    scalarCount += 1
                }
                pendingSpace = false
                text.unicodeScalars.append(scalar)
                scalarCount += 1
            }
        }
    }

    /// Appends an inline element's text; a mention of a reference (`<xref ref-type="bibr" rid="B1 B2">`) is
    /// recorded at its first character; footnote marks and the like that only point elsewhere are kept as text.
    mutating func appendInline(_ element: XMLElement) {
        let isMention = element.name == "xref" && element.attributes["ref-type"] == "bibr"
        if isMention, let keys = element.attributes["rid"] {
            let offset = scalarCount + (pendingSpace ? 1 : 0)
            let closesRange = lastMentionEnd.map { isRangeDash(text.unicodeScalars.suffix(scalarCount - $0)) } ?? false
            for (position, key) in keys.split(separator: " ").enumerated() {
                citations.append((offset, String(key), closesRange && position == 0))
            }
        }
        for child in element.children {
            switch child {
            case .text(let run): append(run)
            case .element(let inner): appendInline(inner)
            }
        }
        if isMention { lastMentionEnd = scalarCount }
    }

    /// Whether the text between two mentions is a dash alone (spaces allowed).
    private func isRangeDash(_ between: some Collection<Unicode.Scalar>) -> Bool {
        let kept = between.filter { !$0.properties.isWhitespace }
        guard kept.count == 1, let dash = kept.first else { return false }
        return ["-", "\u{2013}", "\u{2014}", "\u{2012}"].contains(dash)
    }
}
