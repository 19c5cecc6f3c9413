import Foundation

/// Renders a grounded answer: for a terminal (claims with [n] markers and coloured verdicts, then the references
/// with their quotes) or as Markdown (the original answer with inline [n] citations, claims without support
/// marked, and a References list).
public struct GroundingRenderer: Sendable {
    /// Whether to use ANSI colours (terminal output only).
    public var usesColor: Bool

    /// Creates a renderer.
    ///
    /// - Parameter usesColor: Whether terminal output uses ANSI escape sequences.
    public init(usesColor: Bool = false) {
        self.usesColor = usesColor
    }

    private var style: TerminalStyle { TerminalStyle(usesColor: usesColor) }

    /// The numbered references of an answer: each distinct cited sentence once, in order of first citation.
    public static func references(of answer: GroundedAnswer) -> [GroundingCitation] {
        var references: [GroundingCitation] = []
        for claim in answer.claims where claim.verdict != .unsupported {
            for citation in claim.citations
            where !references.contains(where: { $0.quotesTheSameSentence(as: citation) }) {
                references.append(citation)
            }
        }
        return references
    }

    private static func number(of citation: GroundingCitation, in references: [GroundingCitation]) -> Int {
        (references.firstIndex { $0.quotesTheSameSentence(as: citation) } ?? 0) + 1
    }

    /// A verdict's label and terminal colour.
    private func label(_ verdict: Verdict) -> String {
        switch verdict {
        case .supported: style("supported", "1;32")
        case .partiallySupported: style("partially supported", "1;33")
        case .contradicted: style("contradicted", "1;31")
        case .unsupported: style("unsupported", "1;35")
        }
    }

    /// Terminal text of an extractive answer: the paragraph with [n] markers, then the references.
    public func renderTerminal(_ answer: ExtractiveAnswer) -> String {
        guard !answer.sentences.isEmpty else { return "No sentence of the corpus answers the question.\n" }
        var output = answer.sentences.map { "\($0.text) " + style("[\($0.reference)]", "1") }.joined(separator: " ")
        if answer.sentences.count < answer.requested {
            output +=
                "\n"
                + style(
                    "(\(answer.sentences.count) of the \(answer.requested) sentences asked for: no other sentence of the "
                        + "best passages is close enough to the question)", "2")
        }
        output += "\n\n" + renderReferences(answer.references)
        return output
    }

    private func renderReferences(_ references: [GroundingCitation]) -> String {
        var output = style("References", "1") + "\n"
        for (position, citation) in references.enumerated() {
            let heading = citationHeading(
                title: citation.title, section: citation.section, identifiers: citation.identifiers,
                page: citation.pages.first)
            output += style("[\(position + 1)]", "1") + " " + style(heading, "1;36") + "\n"
            var location = "    \(citation.document)  chars \(citation.start)–\(citation.end)"
            if let url = citation.url { location += "  \(url)" }
            output += style(location, "2") + "\n"
            output += "    “\(citation.quote)”\n"
        }
        return output
    }

    /// Terminal text: one block per piece of the answer, then the references.
    public func renderTerminal(_ answer: GroundedAnswer) -> String {
        let references = Self.references(of: answer)
        var output = ""
        for claim in answer.claims {
            guard let verdict = claim.verdict else {
                output += style("  · \(claim.kind.name): \(claim.text)", "2") + "\n"
                continue
            }
            let markers =
                verdict == .unsupported
                ? "" : claim.citations.map { "[\(Self.number(of: $0, in: references))]" }.joined()
            let support = claim.support.map { " " + Self.formatSupport($0) } ?? ""
            output += "\(label(verdict))\(style(support, "2"))  \(claim.text)"
            output += markers.isEmpty ? "\n" : " " + style(markers, "1") + "\n"
            for part in claim.parts {
                output += "    part: \(part.verdict.map(label) ?? "")  \(part.text)\n"
            }
            for citation in claim.citations {
                for conflict in citation.conflicts { output += style("    ! \(conflict)", "31") + "\n" }
            }
            if verdict == .unsupported, let closest = claim.citations.first {
                output += style("    closest: “\(closest.quote)” (\(closest.document))", "2") + "\n"
            }
        }
        guard !references.isEmpty else { return output + "\nNo sentence of the corpus supports these claims.\n" }
        let counts = answer.verdictCounts
        let summary = Verdict.allCases.compactMap { verdict in counts[verdict].map { "\($0) \(verdict.rawValue)" } }
        return output + "\n" + renderReferences(references) + "\n" + summary.joined(separator: ", ") + "\n"
    }

    /// Markdown: the answer as written, with `[n]` after each grounded claim, unsupported and contradicted claims
    /// flagged in italics after them, and a References list.
    public func renderMarkdown(_ answer: GroundedAnswer) -> String {
        let references = Self.references(of: answer)
        let scalars = Array(answer.answer.unicodeScalars)
        // Insertions after each claim's range, applied from the end so earlier offsets stay valid.
        var insertions: [(offset: Int, text: String)] = []
        for claim in answer.claims {
            guard let verdict = claim.verdict, let range = claim.range else { continue }
            // An unsupported claim's citations are the closest sentences, not support: no marker for them.
            var text =
                verdict == .unsupported
                ? "" : claim.citations.map { "[\(Self.number(of: $0, in: references))]" }.joined()
            switch verdict {
            case .supported: break
            case .partiallySupported: text += " _(partly supported)_"
            case .contradicted: text += " _(contradicted by the sources)_"
            case .unsupported: text += " _(not supported by the sources)_"
            }
            if !text.isEmpty { insertions.append((min(range.upperBound, scalars.count), text)) }
        }
        var output = String.UnicodeScalarView()
        var position = 0
        for insertion in insertions.sorted(by: { $0.offset < $1.offset }) {
            output.append(contentsOf: scalars[position..<insertion.offset])
            output.append(contentsOf: insertion.text.unicodeScalars)
            position = insertion.offset
        }
        output.append(contentsOf: scalars[position...])
        var markdown = String(output)
        if !markdown.hasSuffix("\n") { markdown += "\n" }
        guard !references.isEmpty else { return markdown }
        markdown += "\n## References\n\n"
        for (position, citation) in references.enumerated() {
            let heading = citationHeading(
                title: citation.title, section: citation.section, identifiers: citation.identifiers,
                page: citation.pages.first)
            let link = citation.url.map { "[\(heading)](\($0))" } ?? heading
            let quote = citation.quote.split(whereSeparator: \.isNewline).joined(separator: " ")
            markdown +=
                "\(position + 1). \(link) (`\(citation.document)`, characters \(citation.start)–\(citation.end)): "
                + "“\(quote)”\n"
        }
        return markdown
    }

    static func formatSupport(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return String(format: "%.2f", rounded)
    }
}
