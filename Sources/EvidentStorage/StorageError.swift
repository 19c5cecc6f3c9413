/// An error raised while writing or reading an index directory: what went wrong and where.
///
/// The cases state facts; a front end words the advice in its own terms (the `evident` command names its flags,
/// the server its fields).
public enum StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing exists at the path given as an index directory.
    case noSuchIndex(path: String)
    /// The directory holds no `manifest.json`: it is not an Evident index.
    case notAnIndex(path: String)
    /// The index, or one of its files, was written in a format version this build of Evident does not read.
    case unsupportedFormat(path: String, version: Int, supported: Int, writtenBy: String?)
    /// A file the index needs is missing.
    case missingFile(path: String)
    /// A file is damaged: truncated, altered, or inconsistent with the others.
    case damaged(path: String, reason: String)
    /// A file could not be opened, measured or mapped.
    case unreadable(path: String, reason: String)
    /// An index is to be written where something exists already, and replacing it was not asked for.
    case outputExists(path: String)
    /// An index is to be written over a file or folder that is not an Evident index; it is never replaced.
    case outputIsNotAnIndex(path: String)
    /// An index is to be written inside a path that is a file, not a folder.
    case outputParentIsAFile(path: String)
    /// The index, or a file of it, could not be written.
    case unwritable(path: String, reason: String)

    /// The file or directory concerned.
    public var path: String {
        switch self {
        case .noSuchIndex(let path), .notAnIndex(let path), .missingFile(let path), .outputExists(let path),
            .outputIsNotAnIndex(let path), .outputParentIsAFile(let path):
            path
        case .unsupportedFormat(let path, _, _, _), .damaged(let path, _), .unreadable(let path, _),
            .unwritable(let path, _):
            path
        }
    }

    /// Whether building the index again is the remedy: the index exists but cannot be used as it is.
    public var needsRebuild: Bool {
        switch self {
        case .unsupportedFormat, .missingFile, .damaged: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .noSuchIndex(let path): "\(path): no such index directory"
        case .notAnIndex(let path): "\(path): is not an Evident index (no manifest.json)"
        case .unsupportedFormat(let path, let version, let supported, let writtenBy):
            "\(path): index format \(version) is not the supported format \(supported)"
                + (writtenBy.map { " (written by Evident \($0))" } ?? "")
        case .missingFile(let path): "\(path): is missing"
        case .damaged(let path, let reason): "\(path): index file is damaged: \(reason)"
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .outputExists(let path): "\(path): already exists"
        case .outputIsNotAnIndex(let path): "\(path): exists and is not an Evident index; refusing to replace it"
        case .outputParentIsAFile(let path): "\(path): is a file, not a folder"
        case .unwritable(let path, let reason): "\(path): \(reason)"
        }
    }

    package static func corrupt(_ path: String, _ reason: String) -> StorageError {
        .damaged(path: path, reason: reason)
    }
}
