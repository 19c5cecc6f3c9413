/// The text a reader of a structured format extracts, written as the source that the index stores: the title on
/// the first line, then each section's heading on a line of its own and its paragraphs one a line, blank lines
/// between. It records each section's text range as it goes, so that passages are cut within sections and every
/// quote is `source[start..<end]` of what a user can print with `evident show`.
package struct ExtractedText {
    package private(set) var source = ""
    package private(set) var sections: [DocumentSection] = []
    /// Where each cited reference is mentioned, with the key of its bibliography entry, and whether the mention
    /// closes a range opened by the one before it ("[1–5]").
    private(set) var citations: [(offset: Int, key: String, closesRange: Bool)] = []
    /// The scalars written so far: the offset where the next text starts.
    package private(set) var scalarCount = 0
    private var openSection: (path: [String], start: Int, end: Int)?

    /// The offset where the body (everything after the title) starts.
    package private(set) var bodyStart = 0

    package init() {}

    /// Writes the title line.
    package mutating func appendTitle(_ title: String) {
        let text = XMLElement.collapsingSpace(title)
        guard !text.isEmpty else { return }
        write(text)
        write("\n\n")
        bodyStart = scalarCount
    }

    /// Starts a section under `path`, writing its heading (the path's last part) on a line of its own unless
    /// `writesHeading` is false.
    package mutating func startSection(path: [String], writesHeading: Bool = true) {
        closeSection()
        if writesHeading, let heading = path.last, !heading.isEmpty {
            write(heading)
            write("\n\n")
        }
        openSection = (path, scalarCount, scalarCount)
    }

    /// Writes one paragraph into the open section (a section with an empty path when none is open), white space
    /// collapsed so that it is one line.
    ///
    /// - Parameters:
    ///   - paragraph: The paragraph's text.
    ///   - citations: Mentions of references in `paragraph`, as offsets into its collapsed text, each with whether
    ///     it closes a range opened by the one before.
    package mutating func appendParagraph(
        _ paragraph: String, citations: [(offset: Int, key: String, closesRange: Bool)] = []
    ) {
        let text = XMLElement.collapsingSpace(paragraph)
        guard !text.isEmpty else { return }
        if openSection == nil { openSection = ([], scalarCount, scalarCount) }
        let start = scalarCount
        for citation in citations {
            self.citations.append((start + citation.offset, citation.key, citation.closesRange))
        }
        write(text)
        openSection?.end = scalarCount
        write("\n\n")
    }

    /// Closes the open section, keeping it when it holds text.
    package mutating func closeSection() {
        if let section = openSection, section.end > section.start {
            sections.append(DocumentSection(path: section.path, range: section.start..<section.end))
        }
        openSection = nil
    }

    private mutating func write(_ text: String) {
        source += text
        scalarCount += text.unicodeScalars.count
    }
}
