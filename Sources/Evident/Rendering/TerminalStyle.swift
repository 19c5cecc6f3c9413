/// ANSI styling shared by the terminal renderers: the text unchanged when colour is off.
struct TerminalStyle: Sendable {
    let usesColor: Bool

    /// `text` wrapped in the SGR sequence `code` (such as "1" for bold or "1;36" for bold cyan) and a reset.
    func callAsFunction(_ text: String, _ code: String) -> String {
        usesColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// The heading a citation is shown under: "Title · PMID 123 › Section path", leaving out an empty part.
func citationHeading(
    title: String, section: String, identifiers: WorkIdentifiers = .init(), page: PageReference? = nil
) -> String {
    var title = title
    if let label = identifiers.label { title += title.isEmpty ? label : " · " + label }
    if let page { title += " · p. " + page.displayLabel }
    return [title, section].filter { !$0.isEmpty }.joined(separator: " › ")
}
