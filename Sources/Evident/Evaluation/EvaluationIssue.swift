/// A problem in an evaluation input file (queries, relevance judgments): what is wrong, where, and how to fix it.
///
/// Its description reads like a compiler diagnostic: `qrels/test.tsv:7: expected 3 or 4 columns, found 2; …`.
public struct EvaluationIssue: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file's path.
    public var file: String
    /// The line, counted from 1, when the problem is on one line.
    public var line: Int?
    /// What is wrong.
    public var reason: String
    /// A short hint on how to fix it, when there is one.
    public var fix: String?

    /// Creates an issue.
    ///
    /// - Parameters:
    ///   - file: The file's path.
    ///   - line: The line, counted from 1, if the problem is on one line.
    ///   - reason: What is wrong.
    ///   - fix: How to fix it, if there is a short answer.
    public init(file: String, line: Int? = nil, reason: String, fix: String? = nil) {
        self.file = file
        self.line = line
        self.reason = reason
        self.fix = fix
    }

    /// `file:line: reason; fix`, leaving out the parts that are absent.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": " + reason
        if let fix { text += "; " + fix }
        return text
    }
}

/// The lines of a UTF-8 text file, with their numbers; a trailing `\r` is removed from each.
enum EvaluationInput {
    static func lines(of path: String, contents: [UInt8]) throws -> [(number: Int, text: Substring)] {
        guard let text = String(validating: contents, as: UTF8.self) else {
            var number = 1
            var start = 0
            while start <= contents.count {
                let end = contents[start...].firstIndex(of: 0x0A) ?? contents.count
                if String(validating: contents[start..<end], as: UTF8.self) == nil { break }
                number += 1
                start = end + 1
            }
            throw EvaluationIssue(
                file: path, line: number, reason: "the text is not valid UTF-8", fix: "convert the file to UTF-8")
        }
        // Split on scalars: as Characters, "\r\n" is one grapheme and would not match "\n".
        var result: [(number: Int, text: Substring)] = []
        var number = 0
        for line in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let withoutReturn = line.last == "\r" ? line.dropLast() : line
            result.append((number, Substring(withoutReturn)))
        }
        return result
    }
}
