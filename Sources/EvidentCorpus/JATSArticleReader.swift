import Foundation

/// Turns a JATS `<article>` (PMC's `.nxml`, PLOS's XML, NLM's older archiving DTDs) into a document.
///
/// The source holds the title on its first line, then the abstracts (section path "Abstract", and the abstract's
/// own section titles below it), then the body: every `<sec>` under its `<title>`, nested sections under their
/// parents, paragraphs one a line, lists item by item, figure and table captions ("Figure 2. …") where the figure or
/// table stands, and tables row by row with their cells separated by " | ". The reference list is not text but
/// the document's bibliography: each `<ref>` with its label, the reference as printed and its PMID and DOI; a
/// mention of it in the text (`<xref ref-type="bibr">`) is kept as written ("[12]") and recorded, so that a
/// passage's reference numbers resolve to the works it cites.
///
/// Identifiers: `article-id` of type `pmid`, `pmc` and `doi`. URL: the PMC page when there is a PMCID, else the
/// DOI's. Metadata: `authors`, `journal`, `year`, `keywords`, `article_type`.
enum JATSArticleReader {
    /// The elements that hold blocks of their own (never inline text of a paragraph).
    private static let blockNames: Set<String> = [
        "p", "sec", "fig", "table-wrap", "list", "disp-quote", "boxed-text", "fig-group", "table-wrap-group",
        "def-list", "statement", "verse-group", "speech",
    ]
    /// Elements whose text is not part of the article's prose.
    private static let skippedNames: Set<String> = [
        "label", "graphic", "media", "alternatives", "object-id", "permissions", "attrib", "table-wrap-foot",
    ]

    /// The document of one `<article>` element.
    ///
    /// - Parameters:
    ///   - article: The `<article>` element.
    ///   - id: The document's identifier (the file's path in the corpus).
    /// - Returns: The document, its bibliography and reference mentions included.
    /// - Throws: ``RecordFailure`` when the article has no title and no text.
    static func document(of article: XMLElement, id: String) throws(RecordFailure) -> Document {
        let meta = article.first(path: "front/article-meta")
        let title = meta?.first(path: "title-group/article-title")?.text ?? ""
        var identifiers = WorkIdentifiers()
        for articleID in meta?.all("article-id") ?? [] {
            let value = articleID.text
            switch articleID.attributes["pub-id-type"] {
            case "pmid": identifiers.pmid = value
            case "pmc", "pmcid": identifiers.pmcid = value.hasPrefix("PMC") ? value : "PMC" + value
            case "doi": identifiers.doi = value
            default: break
            }
        }
        var builder = Builder()
        builder.text.appendTitle(title)
        for abstract in meta?.all("abstract") ?? [] where abstract.attributes["abstract-type"] != "toc" {
            var path = ["Abstract"]
            if let heading = abstract.first("title")?.text, !heading.isEmpty { path = [heading] }
            builder.readBlocks(of: abstract, path: path)
        }
        if let body = article.first("body") { builder.readBlocks(of: body, path: []) }
        builder.text.closeSection()
        let bibliography = (article.first("back")?.all("ref-list") ?? []).flatMap(references(in:))
        guard !builder.text.sections.isEmpty || !title.isEmpty else {
            throw RecordFailure(line: article.line, reason: "the article has neither a title nor any text")
        }
        if builder.text.sections.isEmpty {
            builder.text.startSection(path: [], writesHeading: false)
            builder.text.appendParagraph(title)
            builder.text.closeSection()
        }
        var entryOfKey: [String: Int] = [:]
        for (position, entry) in bibliography.enumerated() { entryOfKey[entry.key] = position }
        var mentions: [ReferenceMention] = []
        for citation in builder.text.citations {
            guard let entry = entryOfKey[citation.key] else { continue }
            // "[1–5]": the works between the two ends are cited too.
            if citation.closesRange, let previous = mentions.last?.entry, previous + 1 < entry, entry - previous < 50 {
                for between in previous + 1..<entry {
                    mentions.append(ReferenceMention(offset: citation.offset, entry: between))
                }
            }
            mentions.append(ReferenceMention(offset: citation.offset, entry: entry))
        }
        let url: String? =
            if let pmcid = identifiers.pmcid {
                "https://pmc.ncbi.nlm.nih.gov/articles/\(pmcid)/"
            } else if let doi = identifiers.doi {
                "https://doi.org/\(doi)"
            } else {
                nil
            }
        return Document(
            id: id, title: title.isEmpty ? id : title, url: url, metadata: metadata(of: article, meta: meta),
            source: builder.text.source, bodyRange: builder.text.bodyStart..<builder.text.source.unicodeScalars.count,
            format: .jats, sections: builder.text.sections, identifiers: identifiers, bibliography: bibliography,
            referenceMentions: mentions)
    }

    /// Writes the blocks of an article into its extracted text.
    private struct Builder {
        var text = ExtractedText()
        private var openPath: [String]?

        /// Reads the blocks inside `element` (a `<body>`, `<sec>`, `<abstract>`, list item …) under `path`.
        mutating func readBlocks(of element: XMLElement, path: [String]) {
            var paragraph = InlineText()
            for child in element.children {
                switch child {
                case .text(let run):
                    paragraph.append(run)
                case .element(let block):
                    if block.name == "title" || JATSArticleReader.skippedNames.contains(block.name) { continue }
                    guard JATSArticleReader.blockNames.contains(block.name) else {
                        paragraph.appendInline(block)
                        continue
                    }
                    flush(&paragraph, path: path)
                    readBlock(block, path: path)
                }
            }
            flush(&paragraph, path: path)
        }

        private mutating func readBlock(_ block: XMLElement, path: [String]) {
            switch block.name {
            case "sec", "boxed-text":
                let heading = block.first("title")?.text ?? ""
                readBlocks(of: block, path: heading.isEmpty ? path : path + [heading])
            case "fig", "table-wrap":
                var caption = InlineText()
                let label = block.first("label")?.text ?? ""
                if !label.isEmpty { caption.append(label.hasSuffix(".") ? label + " " : label + ". ") }
                if let captionElement = block.first("caption") {
                    for part in captionElement.elements {
                        caption.appendInline(part)
                        caption.append(" ")
                    }
                }
                flush(&caption, path: path)
                for table in block.all("table") { readTable(table, path: path) }
            case "list":
                for item in block.all("list-item") { readBlocks(of: item, path: path) }
            default:
                readBlocks(of: block, path: path)
            }
        }

        /// A table, one paragraph a row: its cells' text separated by " | ".
        private mutating func readTable(_ table: XMLElement, path: [String]) {
            func rows(of element: XMLElement) -> [XMLElement] {
                element.elements.flatMap { child in child.name == "tr" ? [child] : rows(of: child) }
            }
            for row in rows(of: table) {
                let cells = row.elements.filter { $0.name == "td" || $0.name == "th" }.map(\.text)
                guard cells.contains(where: { !$0.isEmpty }) else { continue }
                var line = InlineText()
                line.append(cells.joined(separator: " | "))
                flush(&line, path: path)
            }
        }

        private mutating func flush(_ paragraph: inout InlineText, path: [String]) {
            defer { paragraph = InlineText() }
            guard !paragraph.isEmpty else { return }
            if openPath != path {
                text.startSection(path: path)
                openPath = path
            }
            text.appendParagraph(paragraph.text, citations: paragraph.citations)
        }
    }

    /// The entries of a `<ref-list>`, nested lists included.
    private static func references(in list: XMLElement) -> [BibliographyEntry] {
        var entries: [BibliographyEntry] = []
        for child in list.elements {
            if child.name == "ref-list" {
                entries += references(in: child)
                continue
            }
            guard child.name == "ref", let key = child.attributes["id"] else { continue }
            let citation = child.elements.first {
                ["mixed-citation", "element-citation", "citation"].contains($0.name)
            }
            var identifiers = WorkIdentifiers()
            for id in citation.map({ $0.descendants(named: ["pub-id", "object-id"]) }) ?? [] {
                switch id.attributes["pub-id-type"] {
                case "pmid": identifiers.pmid = id.text
                case "doi": identifiers.doi = id.text
                case "pmcid", "pmc": identifiers.pmcid = id.text.hasPrefix("PMC") ? id.text : "PMC" + id.text
                default: break
                }
            }
            if identifiers.doi == nil {
                // PLOS writes the DOI as a link in a comment: <ext-link xlink:href="http://dx.doi.org/10.…">.
                let links = citation.map { $0.descendants(named: ["ext-link"]) } ?? []
                identifiers.doi =
                    links.lazy.compactMap { link -> String? in
                        guard let href = link.attributes["xlink:href"], let marker = href.range(of: "doi.org/") else {
                            return nil
                        }
                        return String(href[marker.upperBound...])
                    }.first
            }
            let label = child.first("label")?.text
            entries.append(
                BibliographyEntry(
                    key: key, label: label?.isEmpty == false ? label : nil,
                    text: citation.map(printedReference) ?? child.text, identifiers: identifiers))
        }
        return entries
    }

    /// A reference as printed: mixed citations carry their punctuation; element citations (and NLM's older
    /// `<citation>`, which is often written the same way) are put together as "Authors. Title. Source. Year;
    /// Volume: pages."
    private static func printedReference(_ citation: XMLElement) -> String {
        let hasPunctuation = citation.children.contains { child in
            if case .text(let run) = child {
                run.unicodeScalars.contains { !$0.properties.isWhitespace }
            } else {
                false
            }
        }
        if hasPunctuation { return citation.text(skipping: ["object-id"]) }
        let authors = citation.all("person-group").flatMap { $0.all("name") }.map { name in
            [name.first("surname")?.text, name.first("given-names")?.text].compactMap { $0 }.joined(separator: " ")
        }
        var parts: [String] = []
        if !authors.isEmpty { parts.append(authors.joined(separator: ", ")) }
        for field in ["article-title", "chapter-title", "source"] {
            if let value = citation.first(field)?.text, !value.isEmpty { parts.append(value) }
        }
        var numbers = citation.first("year")?.text ?? ""
        if let volume = citation.first("volume")?.text { numbers += (numbers.isEmpty ? "" : ";") + volume }
        if let first = citation.first("fpage")?.text {
            numbers += ": " + first + (citation.first("lpage").map { "–" + $0.text } ?? "")
        }
        if !numbers.isEmpty { parts.append(numbers) }
        return parts.map { $0.hasSuffix(".") ? $0 : $0 + "." }.joined(separator: " ")
    }

    private static func metadata(of article: XMLElement, meta: XMLElement?) -> [String: String] {
        var fields: [String: String] = [:]
        let authors = (meta?.all("contrib-group") ?? []).flatMap { $0.all("contrib") }
            .filter { $0.attributes["contrib-type"] == "author" }
            .compactMap { contributor -> String? in
                if let collaboration = contributor.first("collab")?.text { return collaboration }
                guard let name = contributor.first("name") else { return nil }
                let given = (name.first("given-names")?.text ?? "").split(separator: " ").compactMap(\.first)
                let surname = name.first("surname")?.text ?? ""
                return given.isEmpty ? surname : surname + " " + String(given)
            }
        fields.setList("authors", authors)
        let journal = article.first(path: "front/journal-meta")
        fields.setList(
            "journal",
            [
                journal?.first(path: "journal-title-group/journal-title")?.text ?? journal?.first("journal-title")?.text
                    ?? ""
            ])
        fields.setList("year", [meta?.all("pub-date").compactMap { $0.first("year")?.text }.first ?? ""])
        fields.setList("keywords", (meta?.all("kwd-group") ?? []).flatMap { $0.all("kwd") }.map(\.text))
        fields.setList("article_type", [article.attributes["article-type"] ?? ""])
        return fields
    }
}
