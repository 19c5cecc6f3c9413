public import Foundation

/// A claim with one piece of evidence and what the evidence says of it: one row of a claim/evidence pair file.
public struct ClaimEvidencePair: Sendable, Hashable, Codable {
    /// The claim's identifier: the file's `claim_id` (or `id`), else the claim text itself.
    public var claimID: String
    /// The claim.
    public var claim: String
    /// The evidence text: a sentence or a few sentences.
    public var evidence: String
    /// What the evidence says of the claim.
    public var label: PairLabel
    /// The line of the file the pair was read from, from 1 (for CSV, the line its record starts on).
    public var line: Int

    /// Creates a pair.
    ///
    /// - Parameters:
    ///   - claimID: The claim's identifier.
    ///   - claim: The claim.
    ///   - evidence: The evidence text.
    ///   - label: What the evidence says of the claim.
    ///   - line: The line it was read from, or 0.
    public init(claimID: String, claim: String, evidence: String, label: PairLabel, line: Int = 0) {
        self.claimID = claimID
        self.claim = claim
        self.evidence = evidence
        self.label = label
        self.line = line
    }
}

/// Reads claim/evidence pair files: CSV or JSON Lines with a claim, an evidence text and a label per row.
public enum PairFile {
    /// The column names, each with the other names data sets give it (matched without regard to case).
    static let claimColumns = ["claim", "claim_text", "hypothesis", "statement"]
    static let evidenceColumns = ["evidence", "evidence_text", "sentence", "premise", "source", "text"]
    static let labelColumns = ["label", "gold_label", "verdict", "stance"]
    static let identifierColumns = ["claim_id", "id", "_id"]

    /// Reads the pairs of a CSV or JSON Lines file.
    ///
    /// A file whose name ends in `.jsonl` or `.json`, or whose first non-blank line starts with `{`, is JSON
    /// Lines: one object per line. Otherwise it is CSV (RFC 4180: commas, double quotes around fields that hold
    /// commas, quotes or line breaks, `""` for a quote) with a header row. Either way a row needs a claim
    /// (`claim`, or `claim_text`, `hypothesis`, `statement`), an evidence text (`evidence`, or `evidence_text`,
    /// `sentence`, `premise`, `source`, `text`) and a label (`label`, or `gold_label`, `verdict`, `stance`) that
    /// ``PairLabel/init(word:)`` understands; `claim_id` (or `id`, `_id`) groups rows of one claim, which are
    /// otherwise grouped by their text. Blank lines are passed over.
    ///
    /// - Parameter url: The file.
    /// - Returns: The pairs in file order.
    /// - Throws: ``EvaluationIssue`` naming file and line for an unreadable or empty file, invalid UTF-8, a
    ///   missing column, a row without a claim or evidence, an unknown label, or malformed JSON or CSV.
    public static func read(at url: URL) throws -> [ClaimEvidencePair] {
        let path = url.path
        let data = try EvaluationInput.contents(of: url)
        let lines = try EvaluationInput.lines(of: path, contents: data)
        guard let first = lines.first(where: { !$0.text.allSatisfy(\.isWhitespace) }) else {
            throw EvaluationIssue(
                file: path, reason: "the file holds no pairs",
                fix: "write a header row (claim,evidence,label) and one pair per row, or one JSON object per line")
        }
        let ext = url.pathExtension.lowercased()
        let isJSONLines = ext == "jsonl" || ext == "json" || first.text.drop(while: \.isWhitespace).first == "{"
        let rows = isJSONLines ? try jsonRows(lines, file: path) : try csvRows(lines, file: path)
        guard !rows.isEmpty else {
            throw EvaluationIssue(file: path, reason: "the file holds no pairs", fix: "add one pair per row")
        }
        return try rows.map { try pair(from: $0.fields, line: $0.line, file: path) }
    }

    /// A pair from one row's fields (keys lower-cased).
    private static func pair(from fields: [String: String], line: Int, file: String) throws -> ClaimEvidencePair {
        func value(_ names: [String], what: String) throws -> String {
            for name in names {
                if let value = fields[name], !value.allSatisfy(\.isWhitespace) {
                    return value.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
            throw EvaluationIssue(
                file: file, line: line, reason: "the row has no \(what) (a non-empty \"\(names[0])\")",
                fix: "give every row a \(names[0]) (or one of: \(names.dropFirst().joined(separator: ", ")))")
        }
        let claim = try value(claimColumns, what: "claim")
        let evidence = try value(evidenceColumns, what: "evidence text")
        let word = try value(labelColumns, what: "label")
        guard let label = PairLabel(word: word) else {
            throw EvaluationIssue(
                file: file, line: line, reason: "unknown label '\(word)'",
                fix: "label each row Supports, Refutes or Neutral (SUPPORT/CONTRADICT/NOT ENOUGH INFO also do)")
        }
        let identifier = identifierColumns.lazy.compactMap { fields[$0] }.first { !$0.isEmpty }
        return ClaimEvidencePair(
            claimID: identifier ?? claim, claim: claim, evidence: evidence, label: label, line: line)
    }

    private static func jsonRows(
        _ lines: [(number: Int, text: Substring)], file: String
    ) throws -> [(line: Int, fields: [String: String])] {
        var rows: [(line: Int, fields: [String: String])] = []
        for line in lines where !line.text.allSatisfy(\.isWhitespace) {
            let fix = "write one {\"claim\": …, \"evidence\": …, \"label\": …} object per line"
            let object = try EvaluationInput.jsonObject(
                line.text, file: file, line: line.number, fix: fix, invalidFix: fix)
            var fields: [String: String] = [:]
            for (key, value) in object {
                switch value {
                case let string as String: fields[key.lowercased()] = string
                case let strings as [String]: fields[key.lowercased()] = strings.joined(separator: " ")
                case let number as NSNumber where !(value is Bool): fields[key.lowercased()] = number.stringValue
                default: continue
                }
            }
            rows.append((line.number, fields))
        }
        return rows
    }

    private static func csvRows(
        _ lines: [(number: Int, text: Substring)], file: String
    ) throws -> [(line: Int, fields: [String: String])] {
        let records = try CSVRecords.parse(lines, file: file)
        guard let header = records.first else { return [] }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for (columns, what) in [(claimColumns, "claim"), (evidenceColumns, "evidence"), (labelColumns, "label")]
        where !columns.contains(where: names.contains) {
            throw EvaluationIssue(
                file: file, line: header.line,
                reason: "the header row has no \(what) column (it has: \(names.joined(separator: ", ")))",
                fix: "name the columns claim,evidence,label in the first row")
        }
        return try records.dropFirst().map { record in
            guard record.fields.count == names.count else {
                throw EvaluationIssue(
                    file: file, line: record.line,
                    reason: "the row has \(record.fields.count) fields where the header has \(names.count)",
                    fix: "quote fields that hold commas with double quotes")
            }
            return (record.line, Dictionary(zip(names, record.fields), uniquingKeysWith: { first, _ in first }))
        }
    }
}

/// RFC 4180 records from the lines of a file: fields split at commas outside double quotes, a quoted field may
/// hold commas, line breaks and doubled quotes. Blank lines between records are passed over.
enum CSVRecords {
    static func parse(
        _ lines: [(number: Int, text: Substring)], file: String
    ) throws -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var start = 0
        for line in lines {
            if !quoted {
                if line.text.allSatisfy(\.isWhitespace) { continue }
                start = line.number
            } else {
                field.append("\n")
            }
            var scalars = line.text.unicodeScalars.makeIterator()
            var atFieldStart = !quoted && field.isEmpty
            while let scalar = scalars.next() {
                if quoted {
                    if scalar == "\"" {
                        // A doubled quote is a quote; a single one ends the field's quoted part.
                        var lookahead = scalars
                        if lookahead.next() == "\"" {
                            field.unicodeScalars.append("\"")
                            scalars = lookahead
                        } else {
                            quoted = false
                        }
                    } else {
                        field.unicodeScalars.append(scalar)
                    }
                } else if scalar == "," {
                    fields.append(field)
                    field = ""
                    atFieldStart = true
                    continue
                } else if scalar == "\"" && atFieldStart {
                    quoted = true
                } else {
                    field.unicodeScalars.append(scalar)
                }
                atFieldStart = false
            }
            if !quoted {
                fields.append(field)
                records.append((start, fields))
                fields = []
                field = ""
            }
        }
        if quoted {
            throw EvaluationIssue(
                file: file, line: start, reason: "a quoted field starting on this line is never closed",
                fix: "close the field with a double quote, and double every quote inside it")
        }
        return records
    }
}
