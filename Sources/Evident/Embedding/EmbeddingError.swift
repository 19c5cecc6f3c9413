/// An error raised while loading or running an embedding model: its tokenizer files, configuration or weights.
///
/// The error states what is wrong with which file; a front end adds how to get the model (the `evident` command
/// points at `make setup` and `--model`).
public struct EmbeddingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Kind: Sendable, Hashable {
        /// A file of the model is missing or cannot be read: the model is not there.
        case missingFile
        /// A file of the model is there but damaged or not what a BERT model folder holds.
        case damagedFile
        /// The model is well formed but asks for something this encoder does not do.
        case unsupportedModel
    }

    /// What kind of problem it is.
    public var kind: Kind
    /// The file or folder concerned, when there is one.
    public var path: String?
    /// What went wrong.
    public var reason: String
    /// How to fix the file, when there is something to say about its contents.
    public var fix: String?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - kind: What kind of problem it is.
    ///   - path: The file or folder concerned, if any.
    ///   - reason: What went wrong.
    ///   - fix: How to fix the file's contents.
    public init(_ kind: Kind, path: String? = nil, reason: String, fix: String? = nil) {
        self.kind = kind
        self.path = path
        self.reason = reason
        self.fix = fix
    }

    /// The error as one line: the path (when known), the reason and the fix (when known).
    public var description: String {
        (path.map { "\($0): " } ?? "") + reason + (fix.map { "; \($0)" } ?? "")
    }
}
