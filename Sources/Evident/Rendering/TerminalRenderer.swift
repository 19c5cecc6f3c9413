/// Renders search results for a terminal: a citation line, an address line and the passage text with the
/// query's terms highlighted.
public struct TerminalRenderer: Sendable {
    /// Whether to use ANSI colours and bold (on a terminal) or plain text (in a pipe or file).
    public var usesColor: Bool

    /// Creates a renderer.
    ///
    /// - Parameter usesColor: Whether to emit ANSI escape sequences.
    public init(usesColor: Bool) {
        self.usesColor = usesColor
    }

    private var style: TerminalStyle { TerminalStyle(usesColor: usesColor) }

    /// Renders `results`, highlighting the words of each passage whose analyzed term is one of its matched terms.
    ///
    /// - Parameters:
    ///   - results: The ranked results.
    ///   - analyzer: The index's analyzer, used to find the matched words in the passage text.
    ///   - mode: The mode the search ran in, said in a first line (`hybrid search: 3 passages`); `nil` for none.
    /// - Returns: The text to print, ending in a newline; a short notice when there are no results.
    public func render(_ results: [SearchResult], analyzer: Analyzer, mode: SearchMode? = nil) -> String {
        let header = mode.map { style("\($0.rawValue) search: ", "2") } ?? ""
        guard !results.isEmpty else { return header + "No passage matches the query.\n" }
        var output =
            mode == nil ? "" : header + style("\(results.count) passage\(results.count == 1 ? "" : "s")", "2") + "\n"
        for result in results {
            let citation = result.citation
            let heading = citationHeading(
                title: citation.title, section: citation.section, identifiers: citation.identifiers,
                page: citation.pages.first)
            output +=
                style("[\(result.rank)]", "1") + " " + style(heading, "1;36")
                + style("  score \(formatScore(result.score))", "2") + "\n"
            var location = "    \(citation.document)  chars \(citation.start)–\(citation.end)"
            if let url = citation.url { location = "    \(url)\n" + location }
            if !result.passage.evidenceLevels.isEmpty {
                location += "  evidence \(result.passage.evidenceLevels.joined(separator: ", "))"
            }
            output += style(location, "2") + "\n"
            let text = highlighted(result.passage.text, terms: Set(result.matchedTerms), analyzer: analyzer)
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                output += "    " + line + "\n"
            }
            output += "\n"
        }
        return output
    }

    /// Wraps every word of `text` whose analyzed term is in `terms` in bold yellow (or `**…**` without colour).
    ///
    /// - Complexity: O(*n*) in the length of `text` (appending to a `String.UnicodeScalarView` copied the whole
    ///   view each time, which made a passage of 2 MB take 21 s).
    func highlighted(_ text: String, terms: Set<String>, analyzer: Analyzer) -> String {
        guard !terms.isEmpty else { return text }
        let scalars = text.unicodeScalarArray
        var output = ""
        output.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        var position = 0
        for token in analyzer.tokens(in: text) where terms.contains(token.term) {
            output += String(decodingScalars: scalars[position..<token.range.lowerBound])
            let word = String(decodingScalars: scalars[token.range])
            output += usesColor ? style(word, "1;33") : "**\(word)**"
            position = token.range.upperBound
        }
        output += String(decodingScalars: scalars[position...])
        return output
    }

    private func formatScore(_ score: Double) -> String {
        let rounded = (score * 1000).rounded() / 1000
        return "\(rounded)"
    }
}
