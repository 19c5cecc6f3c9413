import Foundation

extension ReadState {
    /// Reads a BEIR `corpus.jsonl`: one `{"_id", "title", "text", "metadata"}` object per line.
    ///
    /// Blank lines are passed over. Metadata values that are strings are kept; numbers and Booleans are written
    /// out; nested values are kept as their JSON text.
    mutating func readBEIR(_ data: Data, file: String) throws {
        let bytes = [UInt8](data)
        guard bytes.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else {
            try report(
                CorpusIssue(
                    .empty, file: file, reason: data.isEmpty ? "the file is empty" : "the file holds only whitespace",
                    fix: "add one JSON object per line"))
            return
        }
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            defer { start = end + 1 }
            let line = bytes[start..<end]
            guard line.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D) }) else { continue }
            if lineNumber % 1_000 == 0 { reportProgress() }
            guard String(validating: line, as: UTF8.self) != nil else {
                try report(Self.invalidUTF8Issue(in: Array(line), file: file, firstLineNumber: lineNumber))
                continue
            }
            let object: [String: Any]
            do {
                guard let parsed = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    try report(
                        CorpusIssue(
                            .malformedJSON, file: file, line: lineNumber, reason: "the line is not a JSON object",
                            fix: "write one {\"_id\": …, \"title\": …, \"text\": …} object per line"))
                    continue
                }
                object = parsed
            } catch let issue as CorpusIssue {
                throw issue
            } catch {
                try report(
                    CorpusIssue(
                        .malformedJSON, file: file, line: lineNumber, reason: "the line is not valid JSON",
                        fix: "write one JSON object per line, with no line breaks inside it"))
                continue
            }
            guard let id = Self.string(object["_id"]) else {
                try report(
                    CorpusIssue(
                        .missingField, file: file, line: lineNumber, reason: "the record has no string \"_id\"",
                        fix: "give every record an \"_id\""))
                continue
            }
            guard let text = object["text"] as? String else {
                try report(
                    CorpusIssue(
                        .missingField, file: file, line: lineNumber,
                        reason: "the record '\(id)' has no string \"text\"", fix: "give every record a \"text\""))
                continue
            }
            var metadata: [String: String] = [:]
            if let fields = object["metadata"] as? [String: Any] {
                for (key, value) in fields { metadata[key] = Self.flatString(value) }
            }
            let document = Document(
                id: id, title: object["title"] as? String ?? "", metadata: metadata, source: text, format: .beir)
            try add(document, place: "\(file):\(lineNumber)", file: file, line: lineNumber)
        }
    }

    /// A string, or an integer identifier written as a number.
    private static func string(_ value: Any?) -> String? {
        if let string = value as? String { return string }
        if let number = value as? NSNumber, !(value is Bool), number.doubleValue == number.doubleValue.rounded() {
            return number.stringValue
        }
        return nil
    }

    private static func flatString(_ value: Any) -> String {
        if let string = value as? String { return string }
        if let number = value as? NSNumber { return number.stringValue }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return String(describing: value)
    }
}
