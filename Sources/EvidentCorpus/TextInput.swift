/// Helpers shared by the readers of input files (corpora, queries, judgments).
package enum TextInput {
    /// The number (from 1) of the first line of `bytes` that is not valid UTF-8, or `nil` when all of it is.
    ///
    /// - Complexity: O(*n*).
    package static func firstInvalidUTF8Line(in bytes: some Collection<UInt8>) -> Int? {
        var line = 1
        var start = bytes.startIndex
        while true {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.endIndex
            if String(validating: bytes[start..<end], as: UTF8.self) == nil { return line }
            guard end < bytes.endIndex else { return nil }
            line += 1
            start = bytes.index(after: end)
        }
    }

    /// A message in the form of a compiler diagnostic: `file:line:column: reason; fix`, leaving out what is absent.
    package static func diagnostic(
        file: String, line: Int?, column: Int? = nil, reason: String, fix: String?
    ) -> String {
        var text = file
        if let line { text += ":\(line)" }
        if line != nil, let column { text += ":\(column)" }
        text += ": " + reason
        if let fix { text += "; " + fix }
        return text
    }
}
