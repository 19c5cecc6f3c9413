/// Turns PubMed/MEDLINE XML records into documents: `PubmedArticle` (and `MedlineCitation` in the older
/// `MedlineCitationSet` files), `PubmedBookArticle`, and the PMIDs of `DeleteCitation`.
///
/// A document's id is its PMID and its URL the article's PubMed page. The source holds the title on its first line
/// and then the abstract: each labelled part (`BACKGROUND`, `METHODS`, …) under its label, which is its section
/// path; an abstract without labels is one section with no heading. An article without an abstract is its title
/// alone, as one section. Metadata: `authors` ("Olivero JM, Smith A"; a collective name as written), `journal`,
/// `year`, `publication_types`, `mesh` (descriptor names), `keywords` and `language`, lists joined with "; ".
enum PubMedArticleReader {
    /// The root elements of PubMed and MEDLINE files.
    static let rootNames: Set<String> = ["PubmedArticleSet", "MedlineCitationSet", "PubmedBookArticleSet"]
    /// The record elements, each one document.
    static let recordNames: Set<String> = ["PubmedArticle", "MedlineCitation", "PubmedBookArticle"]

    /// The URL of an article's PubMed page.
    static func url(pmid: String) -> String { "https://pubmed.ncbi.nlm.nih.gov/\(pmid)/" }

    /// The document of one record element.
    ///
    /// - Throws: ``RecordFailure`` when the record has no PMID or no title.
    static func document(of record: XMLElement) throws(RecordFailure) -> Document {
        let citation: XMLElement
        let article: XMLElement?
        let articleIDs: XMLElement?
        var isBook = false
        switch record.name {
        case "PubmedBookArticle":
            guard let book = record.first("BookDocument") else {
                throw RecordFailure(line: record.line, reason: "a PubmedBookArticle without a BookDocument")
            }
            citation = book
            article = book
            articleIDs = record.first(path: "PubmedBookData/ArticleIdList")
            isBook = true
        case "MedlineCitation":
            citation = record
            article = record.first("Article")
            articleIDs = nil
        default:
            guard let medline = record.first("MedlineCitation") else {
                throw RecordFailure(line: record.line, reason: "a \(record.name) without a MedlineCitation")
            }
            citation = medline
            article = medline.first("Article")
            articleIDs = record.first(path: "PubmedData/ArticleIdList")
        }
        guard let pmid = citation.first("PMID")?.text, !pmid.isEmpty else {
            throw RecordFailure(line: record.line, reason: "a \(record.name) without a PMID")
        }
        var title = article?.first("ArticleTitle")?.text ?? ""
        if isBook, title.isEmpty { title = citation.first(path: "Book/BookTitle")?.text ?? "" }
        if title.isEmpty { title = article?.first("VernacularTitle")?.text ?? "" }
        guard !title.isEmpty else {
            throw RecordFailure(line: record.line, reason: "article \(pmid) has no title")
        }

        var text = ExtractedText()
        text.appendTitle(title)
        let abstractParts = (article?.first("Abstract") ?? citation.first("Abstract"))?.all("AbstractText") ?? []
        for part in abstractParts {
            let label = part.attributes["Label"].map(XMLElement.collapsingSpace) ?? ""
            text.startSection(path: label.isEmpty ? [] : [label])
            text.appendParagraph(part.text)
        }
        if text.sections.isEmpty && abstractParts.allSatisfy({ $0.text.isEmpty }) {
            // No abstract: the title is the only text, and so the passage.
            text.startSection(path: [], writesHeading: false)
            text.appendParagraph(title)
        }
        text.closeSection()

        var identifiers = WorkIdentifiers(pmid: pmid)
        for id in articleIDs?.all("ArticleId") ?? [] {
            switch id.attributes["IdType"] {
            case "doi": identifiers.doi = identifiers.doi ?? id.text
            case "pmc": identifiers.pmcid = identifiers.pmcid ?? id.text
            default: break
            }
        }
        if identifiers.doi == nil {
            identifiers.doi = article?.all("ELocationID").first { $0.attributes["EIdType"] == "doi" }?.text
        }
        return Document(
            id: pmid, title: title, url: url(pmid: pmid),
            metadata: metadata(citation: citation, article: article, isBook: isBook), source: text.source,
            bodyRange: text.bodyStart..<text.source.unicodeScalars.count, format: .pubmed, sections: text.sections,
            identifiers: identifiers)
    }

    /// The PMIDs that a `DeleteCitation` element removes.
    static func deletedPMIDs(in element: XMLElement) -> [String] {
        element.all("PMID").map(\.text).filter { !$0.isEmpty }
    }

    private static func metadata(citation: XMLElement, article: XMLElement?, isBook: Bool) -> [String: String] {
        var fields: [String: String] = [:]
        let authors = (article?.first("AuthorList")?.all("Author") ?? []).map { author -> String in
            if let collective = author.first("CollectiveName")?.text { return collective }
            let last = author.first("LastName")?.text ?? ""
            let initials = author.first("Initials")?.text ?? author.first("ForeName")?.text ?? ""
            return initials.isEmpty ? last : last + " " + initials
        }
        fields.setList("authors", authors)
        if isBook {
            fields.setList("journal", [citation.first(path: "Book/BookTitle")?.text ?? ""])
            fields.setList("year", [citation.first(path: "Book/PubDate/Year")?.text ?? ""])
        } else {
            fields.setList("journal", [article?.first(path: "Journal/Title")?.text ?? ""])
            let date = article?.first(path: "Journal/JournalIssue/PubDate")
            let year = date?.first("Year")?.text ?? date?.first("MedlineDate")?.text.prefix(4).description ?? ""
            fields.setList("year", [year])
        }
        fields.setList(
            "publication_types", (article?.first("PublicationTypeList")?.all("PublicationType") ?? []).map(\.text))
        fields.setList(
            "mesh",
            (citation.first("MeshHeadingList")?.all("MeshHeading") ?? []).map { $0.first("DescriptorName")?.text ?? "" }
        )
        fields.setList("keywords", citation.all("KeywordList").flatMap { $0.all("Keyword") }.map(\.text))
        fields.setList("language", (article?.all("Language") ?? []).map(\.text))
        return fields
    }
}
