public import Foundation

/// Graded relevance judgments (qrels): for each query, the grade of each judged document.
public struct RelevanceJudgments: Sendable, Hashable, Codable {
    /// Query identifier → document identifier → grade (0 = judged not relevant; > 0 relevant).
    public var judgments: [String: [String: Int]]

    /// Creates judgments.
    ///
    /// - Parameter judgments: Query identifier → document identifier → grade.
    public init(judgments: [String: [String: Int]] = [:]) {
        self.judgments = judgments
    }

    /// The judgments of one query; empty when it has none.
    public subscript(queryID: String) -> [String: Int] { judgments[queryID] ?? [:] }

    /// Reads a qrels file: BEIR's TSV (`query-id`, `corpus-id`, `score`, with an optional header line) or TREC's
    /// four columns (`query-id iteration doc-id grade`).
    ///
    /// Columns are separated by tabs or spaces; blank lines are passed over. The first line is a header when its
    /// last column is not an integer. The same query and document judged twice with the same grade is accepted;
    /// with different grades it is an error.
    ///
    /// - Parameter url: The file.
    /// - Returns: The judgments.
    /// - Throws: ``EvaluationIssue`` naming file and line for an unreadable or empty file, invalid UTF-8, a line
    ///   with other than 3 or 4 columns, a grade that is not an integer, or conflicting grades.
    public static func read(at url: URL) throws -> RelevanceJudgments {
        let path = url.path
        let data = try EvaluationInput.contents(of: url)
        var judgments: [String: [String: Int]] = [:]
        var lineOfJudgment: [String: [String: Int]] = [:]
        var isFirstContentLine = true
        for (number, text) in try EvaluationInput.lines(of: path, contents: data) {
            let columns = text.split(whereSeparator: { $0 == "\t" || $0 == " " })
            if columns.isEmpty { continue }
            defer { isFirstContentLine = false }
            guard columns.count == 3 || columns.count == 4 else {
                throw EvaluationIssue(
                    file: path, line: number, reason: "expected 3 or 4 columns, found \(columns.count)",
                    fix: "write 'query-id<TAB>corpus-id<TAB>score' or 'query-id 0 doc-id grade'")
            }
            guard let grade = columns.last.flatMap({ Int($0) }) else {
                if isFirstContentLine { continue }  // a header line such as "query-id corpus-id score"
                throw EvaluationIssue(
                    file: path, line: number, reason: "the grade '\(columns.last ?? "")' is not an integer",
                    fix: "write the relevance grade as a whole number")
            }
            let queryID = String(columns[0])
            let documentID = String(columns[columns.count - 2])
            if let earlier = judgments[queryID]?[documentID], earlier != grade {
                let earlierLine = lineOfJudgment[queryID]?[documentID] ?? 0
                throw EvaluationIssue(
                    file: path, line: number,
                    reason: "query '\(queryID)' and document '\(documentID)' were graded \(earlier) on line "
                        + "\(earlierLine)",
                    fix: "keep one grade per query and document")
            }
            judgments[queryID, default: [:]][documentID] = grade
            lineOfJudgment[queryID, default: [:]][documentID] = lineOfJudgment[queryID]?[documentID] ?? number
        }
        guard !judgments.isEmpty else {
            throw EvaluationIssue(file: path, reason: "the file holds no judgments", fix: "write one judgment per line")
        }
        return RelevanceJudgments(judgments: judgments)
    }
}
