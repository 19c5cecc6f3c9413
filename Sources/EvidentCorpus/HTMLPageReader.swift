/// Turns a saved web page into a document: its main content only, headings as the section path.
///
/// The main content is the page's `<main>` (or `role="main"`), else its one `<article>` (the longest, when there are
/// several), else `<body>`. Inside it, navigation, headers and footers, asides, forms, scripts and styles, hidden
/// elements and the site furniture that class names and roles give away (cookie and consent banners, menus,
/// breadcrumbs, share bars, skip links) are left out. Headings `h1`–`h6` make the section path (an `h1` that
/// repeats the title is left out of it); paragraphs, list items, definition terms, quotes and captions are one line
/// each; tables are read row by row with cells separated by " | ". Title: `<title>`, else `og:title`, else the
/// first `h1`. URL: the canonical link when it is absolute, else `og:url`.
enum HTMLPageReader {
    /// Why a page cannot be a document.
    struct Failure: Error {
        var reason: String
    }

    /// Elements left out wherever they are.
    private static let droppedElements: Set<String> = [
        "nav", "header", "footer", "aside", "form", "button", "select", "input", "label", "iframe", "object", "embed",
        "canvas", "video", "audio", "map", "dialog", "menu", "head", "script", "style", "noscript", "template", "svg",
        "math", "textarea",
    ]
    /// Roles of site furniture.
    private static let droppedRoles: Set<String> = [
        "navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu", "menubar",
        "toolbar", "tablist",
    ]
    /// Words in class names and ids that mark site furniture.
    private static let furnitureWords: Set<String> = [
        "cookie", "cookies", "consent", "gdpr", "banner", "navbar", "nav", "navigation", "menu", "breadcrumb",
        "breadcrumbs", "footer", "sidebar", "share", "sharing", "social", "skiplink", "advert", "ads",
        "advertisement", "newsletter", "modal", "popup", "subscribe", "masthead", "toolbar", "pagination",
        "comment", "comments", "respond", "widget", "sharedaddy", "relatedposts", "byline",
    ]
    /// Words in ids (one region of the page each) that mark site furniture: `mplus-header`, `site-footer`. In a
    /// class they may be content (`card-header`, `accordion-header`).
    private static let furnitureIdWords: Set<String> = ["header", "footer"]
    /// Whole class names and ids of furniture (not parts: `hidden-xs` is content hidden on small screens only).
    private static let furnitureNames: Set<String> = [
        "header", "site-header", "page-header", "hidden", "sr-only", "visually-hidden", "screen-reader-text",
        "skip-link", "skip-to-content", "related", "related-links", "related-topics", "related-content",
        "related-articles", "entry-meta", "post-meta", "article-meta", "page-actions", "back-to-top",
    ]
    /// Elements whose text is a block of its own.
    private static let blockElements: Set<String> = [
        "p", "div", "section", "article", "main", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody",
        "tfoot", "tr", "blockquote", "pre", "figure", "figcaption", "caption", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "br", "address", "details", "summary", "center", "body", "html", "#document",
    ]

    /// The document of a page.
    ///
    /// - Parameters:
    ///   - bytes: The page's bytes (UTF-8).
    ///   - id: The document's identifier (the file's path in the corpus).
    ///   - fileStem: The file name without its extension, the title of last resort.
    /// - Returns: The document.
    /// - Throws: ``Failure`` when the page has no main content.
    static func document(of bytes: [UInt8], id: String, fileStem: String) throws(Failure) -> Document {
        let page = HTMLParser.parse(bytes)
        let head = page.descendants(named: ["head"]).first
        let metas = page.descendants(named: ["meta"])
        func meta(_ key: String) -> String? {
            for element in metas where element.attributes["property"] == key || element.attributes["name"] == key {
                if let value = element.attributes["content"] ?? element.attributes["value"], !value.isEmpty {
                    return XMLElement.collapsingSpace(value)
                }
            }
            return nil
        }
        let body = page.descendants(named: ["body"]).first ?? page
        let main = mainContent(of: body)
        var title =
            head?.descendants(named: ["title"]).first?.text ?? page.descendants(named: ["title"]).first?.text ?? ""
        if title.isEmpty { title = meta("og:title") ?? "" }
        if title.isEmpty { title = main.descendants(named: ["h1"]).first?.text ?? "" }
        if title.isEmpty { title = fileStem }
        let canonical = page.descendants(named: ["link"]).first {
            ($0.attributes["rel"] ?? "").lowercased().split(separator: " ").contains("canonical")
        }?.attributes["href"]
        let url = canonical.flatMap { $0.hasPrefix("http://") || $0.hasPrefix("https://") ? $0 : nil } ?? meta("og:url")

        var builder = Builder(title: title)
        builder.text.appendTitle(title)
        builder.read(main)
        builder.flush()
        builder.text.closeSection()
        guard !builder.text.sections.isEmpty else {
            throw Failure(reason: "the page has no main content (only navigation, scripts, forms or furniture)")
        }
        var metadata: [String: String] = [:]
        if let description = meta("description") ?? meta("og:description") { metadata["description"] = description }
        if let language = page.descendants(named: ["html"]).first?.attributes["lang"] {
            metadata["language"] = language
        }
        return Document(
            id: id, title: title, url: url, metadata: metadata, source: builder.text.source,
            bodyRange: builder.text.bodyStart..<builder.text.source.unicodeScalars.count, format: .html,
            sections: builder.text.sections)
    }

    /// The element that holds the page's content.
    private static func mainContent(of body: XMLElement) -> XMLElement {
        if let main = body.descendants(named: ["main"]).first { return main }
        if let main = firstElement(in: body, where: { $0.attributes["role"] == "main" }) { return main }
        // The longest article, when it holds a quarter of the page's text at least (not a teaser in a sidebar); each
        // article's text is put together once.
        let articles = body.descendants(named: ["article"]).map { (element: $0, length: $0.text.count) }
        if let longest = articles.max(by: { $0.length < $1.length }), longest.length * 4 >= body.text.count {
            return longest.element
        }
        return body
    }

    private static func firstElement(in element: XMLElement, where matches: (XMLElement) -> Bool) -> XMLElement? {
        for child in element.elements {
            if matches(child) { return child }
            if let found = firstElement(in: child, where: matches) { return found }
        }
        return nil
    }

    /// Whether an element is site furniture rather than content.
    static func isFurniture(_ element: XMLElement) -> Bool {
        if droppedElements.contains(element.name) { return true }
        let attributes = element.attributes
        if attributes["hidden"] != nil || attributes["aria-hidden"] == "true" { return true }
        if let style = attributes["style"]?.lowercased().filter({ !$0.isWhitespace }),
            style.contains("display:none") || style.contains("visibility:hidden")
        {
            return true
        }
        if let role = attributes["role"]?.lowercased(), droppedRoles.contains(role) { return true }
        let names = ((attributes["class"] ?? "") + " " + (attributes["id"] ?? "")).lowercased()
        for name in names.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            if furnitureNames.contains(String(name)) { return true }
            let words = name.split(whereSeparator: { $0 == "-" || $0 == "_" }).map(String.init)
            if words.contains(where: furnitureWords.contains) { return true }
        }
        let id = (attributes["id"] ?? "").lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" })
        return id.contains { furnitureIdWords.contains(String($0)) }
    }

    /// Writes the blocks of the main content into the extracted text.
    private struct Builder {
        var text = ExtractedText()
        private let titleStem: String
        private var headings: [(level: Int, text: String)] = []
        private var paragraph = InlineText()
        private var openPath: [String]?

        init(title: String) {
            titleStem = Self.letters(of: title)
        }

        mutating func read(_ element: XMLElement) {
            for child in element.children {
                switch child {
                case .text(let run):
                    paragraph.append(run)
                case .element(let inner):
                    guard !HTMLPageReader.isFurniture(inner) else { continue }
                    if let level = Self.headingLevel(inner.name) {
                        flush()
                        heading(inner.text, level: level)
                    } else if inner.name == "tr" {
                        flush()
                        let cells = inner.elements.filter { $0.name == "td" || $0.name == "th" }.map(\.text)
                        if cells.contains(where: { !$0.isEmpty }) {
                            paragraph.append(cells.joined(separator: " | "))
                            flush()
                        }
                    } else if HTMLPageReader.blockElements.contains(inner.name) {
                        flush()
                        read(inner)
                        flush()
                    } else {
                        read(inner)  // inline: its text joins the paragraph
                    }
                }
            }
        }

        private mutating func heading(_ heading: String, level: Int) {
            guard !heading.isEmpty else { return }
            while let last = headings.last, last.level >= level { headings.removeLast() }
            let lowered = Self.letters(of: heading)
            if level == 1 && headings.isEmpty && !titleStem.isEmpty
                && (titleStem.hasPrefix(lowered) || lowered.hasPrefix(titleStem))
            {
                return  // the title again
            }
            headings.append((level, heading))
        }

        /// The letters and digits of `text`, lowercased: "Treatment (PDQ®)–Patient Version" and the title's
        /// "Treatment (PDQ®) – Patient Version" are one.
        private static func letters(of text: String) -> String {
            String(
                text.lowercased().unicodeScalars.filter {
                    $0.properties.isAlphabetic || $0.properties.numericType != nil
                })
        }

        mutating func flush() {
            defer { paragraph = InlineText() }
            guard !paragraph.isEmpty else { return }
            let path = headings.map(\.text)
            if openPath != path {
                text.startSection(path: path)
                openPath = path
            }
            text.appendParagraph(paragraph.text)
        }

        private static func headingLevel(_ name: String) -> Int? {
            guard name.count == 2, name.hasPrefix("h"), let level = Int(name.dropFirst()), (1...6).contains(level)
            else { return nil }
            return level
        }
    }
}
