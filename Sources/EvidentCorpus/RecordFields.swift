/// Why an XML record (a PubMed article, a JATS article) cannot be a document, and the line it starts on.
struct RecordFailure: Error {
    var line: Int
    var reason: String
}

extension Dictionary where Key == String, Value == String {
    /// Sets `key` to `values` joined with "; ", empty values left out; sets nothing when none is left.
    mutating func setList(_ key: String, _ values: [String]) {
        let kept = values.filter { !$0.isEmpty }
        if !kept.isEmpty { self[key] = kept.joined(separator: "; ") }
    }
}
