/// An error raised while loading or running an embedding model.
public struct EmbeddingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file concerned, when there is one.
    public var path: String?
    /// What went wrong.
    public var reason: String
    /// How to fix it, when there is something to say.
    public var fix: String?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - path: The file concerned.
    ///   - reason: What went wrong.
    ///   - fix: How to fix it.
    public init(path: String? = nil, reason: String, fix: String? = nil) {
        self.path = path
        self.reason = reason
        self.fix = fix
    }

    /// The error as `path: reason; fix`, leaving out the parts that are absent.
    public var description: String {
        (path.map { "\($0): " } ?? "") + reason + (fix.map { "; \($0)" } ?? "")
    }
}
