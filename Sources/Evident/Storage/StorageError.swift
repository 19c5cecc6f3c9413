/// An error raised while writing or reading an index directory.
public struct StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or directory concerned.
    public var path: String
    /// What went wrong.
    public var reason: String
    /// How to fix it, when there is something to say.
    public var fix: String?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - path: The file or directory concerned.
    ///   - reason: What went wrong.
    ///   - fix: How to fix it.
    public init(path: String, reason: String, fix: String? = nil) {
        self.path = path
        self.reason = reason
        self.fix = fix
    }

    public var description: String {
        "\(path): \(reason)" + (fix.map { "; \($0)" } ?? "")
    }

    static let rebuildHint = "rebuild the index with `evident index <corpus> --out <index-dir> --force`"

    static func corrupt(_ path: String, _ reason: String) -> StorageError {
        StorageError(path: path, reason: "index file is damaged: \(reason)", fix: rebuildHint)
    }
}
