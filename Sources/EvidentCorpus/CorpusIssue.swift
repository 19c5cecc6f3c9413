/// A problem with one file, or one line of a file, of a corpus: what is wrong, where, and how to fix it.
///
/// The reader throws the first issue it meets, or records it in ``CorpusReadResult/skipped`` and carries on when
/// ``CorpusReaderConfiguration/skipsBadInput`` is set. Its description reads like a compiler diagnostic:
/// `corpus/a.md:3: front matter opened on line 1 never closes; add a line '---' after the front matter`.
public struct CorpusIssue: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kind of problem, for callers that react to some kinds differently.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The corpus path does not exist, or a file or folder could not be read.
        case unreadable
        /// A file is empty or holds only whitespace.
        case empty
        /// A byte sequence is not valid UTF-8.
        case invalidUTF8
        /// Front matter opened with `---` never closes.
        case unclosedFrontMatter
        /// A front matter line is not part of the YAML subset Evident reads.
        case malformedFrontMatter
        /// A JSON Lines line is not a JSON object.
        case malformedJSON
        /// A BEIR record lacks `_id` or `text`; a PubMed record its PMID or title.
        case missingField
        /// An XML file is not well-formed, or a gzip file is damaged or cut short.
        case malformedXML
        /// An XML file whose root element is none that Evident reads.
        case unknownXML
        /// Two documents have the same identifier.
        case duplicateID
        /// A path the reader was told to exclude is not in the corpus folder (a typing error would otherwise
        /// index what it meant to leave out).
        case excludedPathMissing
    }

    /// The file, as the path under the corpus location the reader was given.
    public var file: String
    /// The line, counted from 1, when the problem is on one line.
    public var line: Int?
    /// The column, counted from 1, when the parser of the format tells it.
    public var column: Int?
    /// What is wrong.
    public var reason: String
    /// A short hint on how to fix it, when there is one.
    public var fix: String?
    /// The kind of problem.
    public var kind: Kind

    /// Creates an issue.
    ///
    /// - Parameters:
    ///   - kind: The kind of problem.
    ///   - file: The file's path.
    ///   - line: The line, counted from 1, if the problem is on one line.
    ///   - column: The column, counted from 1, if known.
    ///   - reason: What is wrong.
    ///   - fix: How to fix it, if there is a short answer.
    public init(
        _ kind: Kind, file: String, line: Int? = nil, column: Int? = nil, reason: String, fix: String? = nil
    ) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
        self.fix = fix
    }

    /// `file:line:column: reason; fix`, leaving out the parts that are absent.
    public var description: String {
        TextInput.diagnostic(file: file, line: line, column: column, reason: reason, fix: fix)
    }
}
