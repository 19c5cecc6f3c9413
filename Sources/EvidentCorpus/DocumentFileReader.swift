public import Foundation

/// A reader of a file format that needs a library the engine does not link (PDF through poppler): the program that
/// links it registers it with ``CorpusReaderConfiguration/register(_:)``, so that a program using the engine links
/// the library only if it reads that format.
public protocol DocumentFileReader: Sendable {
    /// The format the reader produces.
    var format: CorpusFormat { get }
    /// The file extensions it reads (lowercase, without the dot).
    var fileExtensions: [String] { get }

    /// The documents of one file.
    ///
    /// - Parameters:
    ///   - url: The file.
    ///   - id: The document's identifier (the file's path in the corpus).
    ///   - file: The file's path as issues name it.
    /// - Returns: The documents the file holds.
    /// - Throws: ``CorpusIssue`` naming the file (and page) when it cannot be read.
    func documents(at url: URL, id: String, file: String) throws -> [Document]
}

extension CorpusReaderConfiguration {
    /// Adds a reader: its extensions are read as its format from now on.
    public mutating func register(_ reader: any DocumentFileReader) {
        readers.removeAll { $0.format == reader.format }
        readers.append(reader)
        for fileExtension in reader.fileExtensions { fileExtensions[fileExtension] = reader.format }
    }

    /// The registered reader of `format`, if any.
    func reader(of format: CorpusFormat) -> (any DocumentFileReader)? {
        readers.first { $0.format == format }
    }
}
