public import Foundation

/// Reads evaluation queries.
public enum QueryFile {
    /// Reads a BEIR `queries.jsonl`, or a plain text file with one query per line.
    ///
    /// A file whose name ends in `.jsonl`, or whose first non-blank line starts with `{`, is JSON Lines: each line
    /// an object with a string (or integer) `_id`, a string `text`, and an optional `metadata` that is kept as
    /// ``EvaluationQuery/evidence`` when it has SciFact's shape (`{doc id: [{"sentences": [Int], "label": String}]}`)
    /// and is otherwise ignored. In a plain text file, each non-blank line is a query (leading and trailing spaces
    /// removed), numbered "1", "2", … in order. Blank lines are passed over in both.
    ///
    /// - Parameter url: The file.
    /// - Returns: The queries in file order.
    /// - Throws: ``EvaluationIssue`` naming file and line for an unreadable or empty file, invalid UTF-8, a line
    ///   that is not a JSON object, a missing `_id` or `text`, or an identifier given twice.
    public static func read(at url: URL) throws -> [EvaluationQuery] {
        let path = url.path
        let data = try EvaluationInput.contents(of: url)
        let lines = try EvaluationInput.lines(of: path, contents: data)
        let contentLines = lines.filter { !$0.text.allSatisfy(\.isWhitespace) }
        guard let first = contentLines.first else {
            throw EvaluationIssue(file: path, reason: "the file holds no queries", fix: "write one query per line")
        }
        let isJSONLines =
            url.pathExtension.lowercased() == "jsonl"
            || first.text.drop(while: \.isWhitespace).first == "{"
        var queries: [EvaluationQuery] = []
        var lineOfID: [String: Int] = [:]
        for (index, line) in contentLines.enumerated() {
            let query =
                isJSONLines
                ? try jsonQuery(line.text, file: path, line: line.number)
                : EvaluationQuery(id: String(index + 1), text: line.text.trimmingCharacters(in: .whitespaces))
            if let earlier = lineOfID[query.id] {
                throw EvaluationIssue(
                    file: path, line: line.number,
                    reason: "query id '\(query.id)' was already given on line \(earlier)",
                    fix: "give each query a unique id")
            }
            lineOfID[query.id] = line.number
            queries.append(query)
        }
        return queries
    }

    private static func jsonQuery(_ text: Substring, file: String, line: Int) throws -> EvaluationQuery {
        let object = try EvaluationInput.jsonObject(
            text, file: file, line: line, fix: "write one {\"_id\": …, \"text\": …} object per line")
        let id: String
        if let string = object["_id"] as? String {
            id = string
        } else if let number = object["_id"] as? Int, !(object["_id"] is Bool) {
            id = String(number)
        } else {
            throw EvaluationIssue(
                file: file, line: line, reason: "the query has no string \"_id\"", fix: "give every query an \"_id\"")
        }
        guard let queryText = object["text"] as? String else {
            throw EvaluationIssue(
                file: file, line: line, reason: "the query '\(id)' has no string \"text\"",
                fix: "give every query a \"text\"")
        }
        return EvaluationQuery(id: id, text: queryText, evidence: evidence(in: object["metadata"]))
    }

    /// SciFact's evidence map, or `nil` when `metadata` is absent, empty or shaped otherwise.
    private static func evidence(in metadata: Any?) -> [String: [EvidenceAnnotation]]? {
        guard let map = metadata as? [String: Any], !map.isEmpty else { return nil }
        var result: [String: [EvidenceAnnotation]] = [:]
        for (documentID, value) in map {
            guard let annotations = value as? [[String: Any]] else { return nil }
            var parsed: [EvidenceAnnotation] = []
            for annotation in annotations {
                guard let sentences = annotation["sentences"] as? [Int], let label = annotation["label"] as? String
                else { return nil }
                parsed.append(EvidenceAnnotation(sentences: sentences, label: label))
            }
            result[documentID] = parsed
        }
        return result
    }
}
