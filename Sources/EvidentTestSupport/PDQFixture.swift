public import Evident
public import Foundation
import Testing

/// Builds `Document`s from the shared NCI PDQ Markdown files the simple way (the real corpus reader lives in
/// `Corpus/`): front matter between `---` lines gives the title and the body range.
public enum PDQFixture {
    public static func document(at url: URL, root: URL) throws -> Document {
        let source = try String(contentsOf: url, encoding: .utf8)
        let scalars = Array(source.unicodeScalars)
        var bodyStart = 0
        var title = url.deletingPathExtension().lastPathComponent
        var frontMatterURL: String?
        if scalars.starts(with: "---\n".unicodeScalars) {
            // Find the closing "\n---\n".
            let closing = Array("\n---\n".unicodeScalars)
            var index = 3
            while index + closing.count <= scalars.count {
                if scalars[index] == "\n" && Array(scalars[index..<index + closing.count]) == closing {
                    var view = String.UnicodeScalarView()
                    view.append(contentsOf: scalars[4..<index])
                    for line in String(view).split(separator: "\n") {
                        if line.hasPrefix("title: ") { title = unquoted(line.dropFirst(7)) }
                        if line.hasPrefix("url: ") { frontMatterURL = unquoted(line.dropFirst(5)) }
                    }
                    bodyStart = index + closing.count
                    break
                }
                index += 1
            }
        }
        let relative = String(url.path.dropFirst(root.path.count + 1))
        return Document(
            id: relative, title: title, url: frontMatterURL, source: source,
            bodyRange: bodyStart..<scalars.count, format: .markdown)
    }

    public static func unquoted(_ value: Substring) -> String {
        var value = value.trimmingCharacters(in: .whitespaces)
        if value.count >= 2, let first = value.first, first == "'" || first == "\"", value.last == first {
            value = String(value.dropFirst().dropLast())
        }
        return value
    }

    public static func markdownFiles(under root: URL) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            return []
        }
        var files: [URL] = []
        for case let url as URL in enumerator
        where url.pathExtension == "md" && url.lastPathComponent != "PROVENANCE.md" {
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }

    public static let mesotheliomaPath = "pdq/types-mesothelioma-hp-mesothelioma-treatment-pdq.md"

    public static func mesothelioma() throws -> Document {
        let root = try #require(SharedData.nciPDQ)
        return try document(at: root.appendingPathComponent(mesotheliomaPath), root: root)
    }
}

extension String {
    /// The substring between two Unicode scalar offsets.
    public func scalarSlice(_ range: Range<Int>) -> Substring {
        let start = unicodeScalars.index(unicodeScalars.startIndex, offsetBy: range.lowerBound)
        let end = unicodeScalars.index(start, offsetBy: range.count)
        return self[start..<end]
    }
}

/// A short description of where two strings first differ.
public func firstDifference(_ expected: String, _ actual: String) -> String {
    let left = Array(expected.unicodeScalars)
    let right = Array(actual.unicodeScalars)
    var index = 0
    while index < left.count && index < right.count && left[index] == right[index] { index += 1 }
    func excerpt(_ scalars: [Unicode.Scalar]) -> String {
        let lower = max(0, index - 30)
        let upper = min(scalars.count, index + 30)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[lower..<upper])
        return String(view).debugDescription
    }
    return "at scalar \(index): expected …\(excerpt(left))… got …\(excerpt(right))…"
}
