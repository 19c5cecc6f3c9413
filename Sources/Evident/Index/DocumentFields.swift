public import EvidentCorpus
package import EvidentLinearAlgebra
import EvidentStorage
import Foundation

/// The documents' metadata as a filter reads it: for each key, its distinct values and the documents that carry
/// each one (`fields.bin` in an index directory).
///
/// A value is split into items at `"; "` (how readers join a list: front matter lists, PubMed's MeSH terms and
/// publication types), so `cancerTypes=lung` finds a document whose list holds `lung`. `format` (markdown, pdf,
/// pubmed, …) is a key of every document unless its metadata has a key of that name.
public struct DocumentFields: Sendable {
    /// What a key's values are, which decides how they compare.
    public enum Kind: UInt8, Sendable, Hashable, CustomStringConvertible {
        /// Any text: `=` and `!=` only, without regard to case.
        case text = 0
        /// Every value is a decimal number (`2021`, `3.5`).
        case number = 1
        /// Every value is a date (`2024`, `2024-05`, `2024-05-17`), at least one with a month.
        case date = 2

        public var description: String {
            switch self {
            case .text: "text"
            case .number: "number"
            case .date: "date"
            }
        }
    }

    /// One key: its kind and its distinct items, each with the documents that carry it.
    struct Field: Sendable {
        var kind: Kind
        /// Distinct items in first spelling, sorted by their folded form.
        var values: [String]
        /// The documents carrying `values[i]`, ascending.
        var documents: [[UInt32]]
    }

    /// The number of documents the fields describe.
    public let documentCount: Int
    private let fields: [String: Field]

    /// The keys, sorted.
    public var keys: [String] { fields.keys.sorted() }

    /// The kind of `key`'s values, or `nil` when no document has the key.
    public func kind(of key: String) -> Kind? { fields[key]?.kind }

    /// The distinct values (list items counted one by one) of `key`, in their first spelling, sorted without
    /// regard to case; empty when no document has the key.
    public func values(of key: String) -> [String] { fields[key]?.values ?? [] }

    /// The separator between the items of a list value.
    static let itemSeparator = "; "

    /// Collects the fields of `documents` (document `i` of the index is `documents[i]`).
    public init(documents: [Document]) {
        var collected: [String: [String: (spelling: String, documents: [UInt32])]] = [:]
        for (position, document) in documents.enumerated() {
            var metadata = document.metadata
            if metadata["format"] == nil { metadata["format"] = document.format.rawValue }
            for (key, value) in metadata {
                for item in value.components(separatedBy: Self.itemSeparator) {
                    let trimmed = item.trimmingCharacters(in: .whitespacesAndNewlines)
                    guard !trimmed.isEmpty else { continue }
                    let folded = trimmed.lowercased()
                    var entry = collected[key, default: [:]][folded] ?? (trimmed, [])
                    if entry.documents.last != UInt32(position) { entry.documents.append(UInt32(position)) }
                    collected[key, default: [:]][folded] = entry
                }
            }
        }
        self.init(documentCount: documents.count, fields: Self.fields(collected))
    }

    /// The fields of values collected by their folded form, each with its first spelling and its documents.
    private static func fields(_ collected: [String: [String: (spelling: String, documents: [UInt32])]])
        -> [String: Field]
    {
        var fields: [String: Field] = [:]
        for (key, items) in collected {
            let sorted = items.sorted { $0.key < $1.key }
            let values = sorted.map(\.value.spelling)
            fields[key] = Field(kind: Self.kind(of: values), values: values, documents: sorted.map(\.value.documents))
        }
        return fields
    }

    /// The fields of several segments as one, each segment's document numbers shifted by its offset.
    init(merging parts: [(fields: DocumentFields, documentOffset: Int)]) {
        var collected: [String: [String: (spelling: String, documents: [UInt32])]] = [:]
        for (part, offset) in parts {
            for (key, field) in part.fields {
                for (value, documents) in zip(field.values, field.documents) {
                    let folded = value.lowercased()
                    var entry = collected[key, default: [:]][folded] ?? (value, [])
                    entry.documents += documents.map { $0 + UInt32(offset) }
                    collected[key, default: [:]][folded] = entry
                }
            }
        }
        self.init(documentCount: parts.reduce(0) { $0 + $1.fields.documentCount }, fields: Self.fields(collected))
    }

    private init(documentCount: Int, fields: [String: Field]) {
        self.documentCount = documentCount
        self.fields = fields
    }

    /// The kind that every one of `values` fits: numbers, else dates, else text.
    static func kind(of values: [String]) -> Kind {
        if values.allSatisfy({ Self.number($0) != nil }) { return .number }
        if values.allSatisfy({ Self.dateRange($0) != nil }) { return .date }
        return .text
    }

    /// `text` as a number: an optional sign, digits and an optional fraction (no exponents, no `nan`).
    static func number(_ text: String) -> Double? {
        var scalars = Substring(text).unicodeScalars
        if scalars.first == "-" || scalars.first == "+" { scalars.removeFirst() }
        let parts = scalars.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, parts.allSatisfy({ $0.allSatisfy { ("0"..."9").contains($0) } })
        else { return nil }
        if parts.count == 2, parts[1].isEmpty { return nil }
        return Double(text)
    }

    /// `text` as a date, `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as the half-open range of day numbers
    /// (`year · 10000 + month · 100 + day`) it covers.
    static func dateRange(_ text: String) -> Range<Double>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let widths = [4, 2, 2]
        guard (1...3).contains(parts.count) else { return nil }
        var numbers: [Int] = []
        for (part, width) in zip(parts, widths) {
            guard part.count == width, part.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }),
                let number = Int(part)
            else { return nil }
            numbers.append(number)
        }
        let year = numbers[0]
        switch numbers.count {
        case 1:
            return Double(year * 10000 + 101)..<Double((year + 1) * 10000 + 101)
        case 2:
            let month = numbers[1]
            guard (1...12).contains(month) else { return nil }
            let next = month == 12 ? (year + 1) * 10000 + 101 : year * 10000 + (month + 1) * 100 + 1
            return Double(year * 10000 + month * 100 + 1)..<Double(next)
        default:
            let (month, day) = (numbers[1], numbers[2])
            guard (1...12).contains(month), (1...31).contains(day) else { return nil }
            let ordinal = year * 10000 + month * 100 + day
            return Double(ordinal)..<Double(ordinal + 1)
        }
    }

    /// The documents that meet every condition of `filter`.
    ///
    /// - Throws: `MetadataFilterError` for a key no document has, an ordering comparison on text, or a value of
    ///   another kind than the key's.
    package func documents(matching filter: MetadataFilter) throws(MetadataFilterError) -> RowSet {
        var kept = RowSet(rowCount: documentCount)
        kept.insert(0..<documentCount)
        for condition in filter.conditions {
            kept.formIntersection(try documents(matching: condition))
        }
        return kept
    }

    private func documents(matching condition: MetadataFilter.Condition) throws(MetadataFilterError) -> RowSet {
        guard let field = fields[condition.key] else { throw .unknownKey(condition.key, available: keys) }
        // The half-open ranges the condition's values cover, on the key's scale; text compares folded.
        var ranges: [Range<Double>] = []
        switch field.kind {
        case .text:
            guard !condition.comparison.orders else {
                throw .comparisonOnText(condition, examples: Array(field.values.prefix(3)))
            }
        case .number:
            for value in condition.values {
                guard let number = Self.number(value) else { throw .valueNotOfKind(condition, kind: .number) }
                ranges.append(number..<number.nextUp)
            }
        case .date:
            for value in condition.values {
                guard let range = Self.dateRange(value) else { throw .valueNotOfKind(condition, kind: .date) }
                ranges.append(range)
            }
        }
        let folded = Set(condition.values.map { $0.lowercased() })
        var found = RowSet(rowCount: documentCount)
        for (position, value) in field.values.enumerated() {
            let meets: Bool
            if field.kind == .text {
                meets = folded.contains(value.lowercased())
            } else {
                // A document's value stands for where it starts (a year for its first day).
                let start = field.kind == .number ? Self.number(value) ?? 0 : Self.dateRange(value)?.lowerBound ?? 0
                switch condition.comparison {
                case .equal, .notEqual: meets = ranges.contains { $0.contains(start) }
                case .less: meets = start < ranges[0].lowerBound
                case .lessOrEqual: meets = start < ranges[0].upperBound
                case .greater: meets = start >= ranges[0].upperBound
                case .greaterOrEqual: meets = start >= ranges[0].lowerBound
                }
            }
            guard meets else { continue }
            for document in field.documents[position] { found.insert(Int(document)..<(Int(document) + 1)) }
        }
        if condition.comparison == .notEqual { found.formComplement() }
        return found
    }
}

extension DocumentFields {
    /// The file: magic, version, document count (8 bytes), key count (4 bytes); then for each key in sorted order
    /// its name, its kind (1 byte), its value count (4 bytes) and, for each value, the value and its documents
    /// (a count and that many 4-byte document numbers, ascending).
    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(IndexFileMagic.fields)
        writer.write(IndexFileMagic.version)
        writer.write(UInt64(documentCount))
        writer.write(UInt32(fields.count))
        for key in keys {
            guard let field = fields[key] else { continue }
            writer.write(key)
            writer.write(field.kind.rawValue)
            writer.write(UInt32(field.values.count))
            for (value, documents) in zip(field.values, field.documents) {
                writer.write(value)
                writer.write(UInt32(documents.count))
                writer.write(contentsOf: documents)
            }
        }
        return writer.bytes
    }

    /// Reads what `encoded()` wrote, checking every document number against `documentCount`.
    ///
    /// - Throws: `StorageError` for a truncated or damaged file, or one written for another number of documents.
    init(_ bytes: ReadOnlyBytes, documentCount: Int) throws(StorageError) {
        var reader = ByteReader(bytes.bytes, path: bytes.path)
        try IndexFileMagic.check(&reader, magic: IndexFileMagic.fields)
        let recorded = try reader.read(UInt64.self)
        guard recorded == UInt64(documentCount) else {
            throw StorageError.corrupt(bytes.path, "it describes \(recorded) documents; the index has \(documentCount)")
        }
        var fields: [String: Field] = [:]
        let keyCount = try reader.readCount()
        for _ in 0..<keyCount {
            let key = try reader.readString()
            guard let kind = Kind(rawValue: try reader.read(UInt8.self)) else {
                throw StorageError.corrupt(bytes.path, "the key \"\(key)\" has an unknown kind")
            }
            let valueCount = try reader.readCount()
            var values: [String] = []
            var documents: [[UInt32]] = []
            for _ in 0..<valueCount {
                values.append(try reader.readString())
                let count = try reader.readCount(limit: documentCount)
                var list: [UInt32] = []
                list.reserveCapacity(count)
                for _ in 0..<count {
                    let document = try reader.read(UInt32.self)
                    guard Int(document) < documentCount, document >= (list.last.map { $0 + 1 } ?? 0) else {
                        throw StorageError.corrupt(
                            bytes.path, "\(key)=\(values.last ?? "") lists document \(document) out of order or range")
                    }
                    list.append(document)
                }
                documents.append(list)
            }
            guard fields[key] == nil else { throw StorageError.corrupt(bytes.path, "the key \"\(key)\" appears twice") }
            fields[key] = Field(kind: kind, values: values, documents: documents)
        }
        guard reader.isAtEnd else { throw StorageError.corrupt(bytes.path, "it has bytes after its last key") }
        self.init(documentCount: documentCount, fields: fields)
    }
}
