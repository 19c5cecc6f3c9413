import Foundation

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
        TextInput.diagnostic(file: file, line: line, reason: reason, fix: fix)
    }
}

/// The lines of a UTF-8 text file, with their numbers; a trailing `\r` is removed from each.
enum EvaluationInput {
    /// The bytes of the file at `url`.
    ///
    /// - Throws: `EvaluationIssue` when the file cannot be read.
    static func contents(of url: URL) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw EvaluationIssue(
                file: url.path, reason: "cannot read the file (\(error.localizedDescription))",
                fix: "check that the file exists and is readable")
        }
    }

    /// The JSON object on one line of a JSON Lines file.
    ///
    /// - Throws: `EvaluationIssue` naming file and line when the line is not valid JSON (with `invalidFix`) or not
    ///   an object (with `fix`, which says what a line should hold).
    static func jsonObject(
        _ text: Substring, file: String, line: Int, fix: String,
        invalidFix: String = "write one JSON object per line, with no line breaks inside it"
    ) throws -> [String: Any] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw EvaluationIssue(file: file, line: line, reason: "the line is not valid JSON", fix: invalidFix)
        }
        guard let object = parsed as? [String: Any] else {
            throw EvaluationIssue(file: file, line: line, reason: "the line is not a JSON object", fix: fix)
        }
        return object
    }

    static func lines(of path: String, contents: [UInt8]) throws -> [(number: Int, text: Substring)] {
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw EvaluationIssue(
                file: path, line: TextInput.firstInvalidUTF8Line(in: contents), reason: "the text is not valid UTF-8",
                fix: "convert the file to UTF-8")
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
