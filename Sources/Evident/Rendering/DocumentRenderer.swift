/// Shows a document as the index stores it: its extracted text with each passage's start and end marked, and its
/// bibliography, so that a user can see what was read from a PDF, an XML article or a Markdown page.
public struct DocumentRenderer: Sendable {
    private let style: TerminalStyle

    /// Creates a renderer.
    ///
    /// - Parameter usesColor: Whether to mark passages and headings with ANSI colour.
    public init(usesColor: Bool) {
        style = TerminalStyle(usesColor: usesColor)
    }

    /// The document's header, its text (all of it, or the part around `around`) with passage boundaries as `⟦3` …
    /// `3⟧` markers, and its references.
    ///
    /// - Parameters:
    ///   - document: The document.
    ///   - passages: Its passages.
    ///   - around: A scalar offset in the source: only the passages that hold it, and `context` scalars either
    ///     side, are shown; `nil` for the whole document.
    ///   - context: How much text to show either side of `around`.
    ///   - page: A physical page number: only that page's text is shown (a PDF's).
    /// - Returns: The text to print, ending in a newline.
    public func render(
        _ document: Document, passages: [Passage], around: Int? = nil, context: Int = 400, page: Int? = nil
    ) -> String {
        let scalars = Array(document.source.unicodeScalars)
        var output = style(citationHeading(title: document.title, section: "", identifiers: document.identifiers), "1")
        output +=
            "\n"
            + style(
                "\(document.id) (\(document.format.rawValue)), \(scalars.count) characters, "
                    + "\(passages.count) passage\(passages.count == 1 ? "" : "s")", "2")
        if let url = document.url { output += "\n" + style(url, "2") }
        for key in document.metadata.keys.sorted() {
            output += "\n" + style("\(key): \(document.metadata[key] ?? "")", "2")
        }
        output += "\n\n"

        var window = 0..<scalars.count
        if let page, let shown = document.pages.first(where: { $0.number == page }) {
            window = shown.range.clamped(to: window)
            output += style("page \(shown.number)" + (shown.label.map { " (printed \($0))" } ?? ""), "2") + "\n"
        } else if let around {
            let position = min(max(around, 0), scalars.count)
            let holding = passages.filter { $0.range.contains(position) }
            let lower = holding.map(\.range.lowerBound).min() ?? position
            let upper = holding.map(\.range.upperBound).max() ?? position
            window = max(0, lower - context)..<min(scalars.count, upper + context)
        }
        // Markers sorted by offset: ends before starts at the same offset, so that adjacent passages read `2⟧ ⟦3`.
        var markers: [(offset: Int, isStart: Bool, ordinal: Int)] = []
        for passage in passages where passage.range.overlaps(window) || passage.range.isEmpty {
            markers.append((passage.range.lowerBound, true, passage.ordinal))
            markers.append((passage.range.upperBound, false, passage.ordinal))
        }
        markers.sort { ($0.offset, $0.isStart ? 1 : 0) < ($1.offset, $1.isStart ? 1 : 0) }
        if window.lowerBound > 0 { output += style("… (from character \(window.lowerBound))", "2") + "\n" }
        var position = window.lowerBound
        for marker in markers where window.contains(marker.offset) || marker.offset == window.upperBound {
            output += String(String.UnicodeScalarView(scalars[position..<marker.offset]))
            output += style(marker.isStart ? "⟦\(marker.ordinal) " : " \(marker.ordinal)⟧", "1;33")
            position = marker.offset
        }
        output += String(String.UnicodeScalarView(scalars[position..<window.upperBound]))
        if window.upperBound < scalars.count { output += "\n" + style("… (to character \(window.upperBound))", "2") }
        if !output.hasSuffix("\n") { output += "\n" }
        if around == nil, page == nil, !document.bibliography.isEmpty {
            output += "\n" + style("References", "1") + "\n"
            for (position, entry) in document.bibliography.enumerated() {
                var line = "[\(position + 1)] " + entry.text
                if let label = entry.identifiers.label { line += "  " + style(label, "2") }
                output += line + "\n"
            }
        }
        return output
    }
}
