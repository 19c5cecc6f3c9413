import ArgumentParser
import Evident

/// `--filter`, shared by the commands that search an index.
struct FilterOptions: ParsableArguments {
    @Option(
        name: .customLong("filter"),
        help: ArgumentHelp(
            "Keep only documents whose metadata matches: key=value, key!=value, key=a,b (any of them), or a "
                + "comparison on numbers and dates (year>=2020, lastReviewed<2025-06). Repeat to require several. "
                + "Keys: front matter keys, PubMed's year, journal, mesh, publication_types, …, and format; "
                + "`evident info INDEX` lists an index's keys.",
            valueName: "expr"))
    var expressions: [String] = []

    func validate() throws {
        do {
            _ = try MetadataFilter(parsing: expressions)
        } catch {
            throw ValidationError("--filter: \(error)")
        }
    }

    /// The filter, or `nil` when none was given.
    var filter: MetadataFilter? {
        guard !expressions.isEmpty else { return nil }
        return try? MetadataFilter(parsing: expressions)
    }
}
