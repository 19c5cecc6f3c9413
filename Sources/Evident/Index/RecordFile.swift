/// A file of variable-length records with an offset table, so that any record can be decoded on its own.
///
/// Each record also has a 32-bit key, readable without decoding the record (a passage's document index).
///
/// Layout: magic, version, record count (UInt32), `count` UInt32 keys, padding to 8, `count + 1` UInt64 offsets
/// relative to the first record, then the records.
struct RecordFile: @unchecked Sendable {  // views into `bytes`, which it keeps alive
    let bytes: ReadOnlyBytes
    let count: Int
    /// One key per record.
    let keys: UnsafeBufferPointer<UInt32>
    private let offsets: UnsafeBufferPointer<UInt64>
    private let recordsStart: Int

    static func encode(magic: UInt32, records: [[UInt8]], keys: [UInt32]) -> [UInt8] {
        precondition(keys.count == records.count, "one key per record")
        var writer = ByteWriter()
        writer.reserve(16 + 12 * (records.count + 1) + records.reduce(0) { $0 + $1.count })
        writer.write(magic)
        writer.write(IndexFileMagic.version)
        writer.write(UInt32(records.count))
        writer.write(contentsOf: keys)
        writer.align(to: 8)
        var offset: UInt64 = 0
        writer.write(offset)
        for record in records {
            offset += UInt64(record.count)
            writer.write(offset)
        }
        var bytes = writer.bytes
        for record in records { bytes.append(contentsOf: record) }
        return bytes
    }

    init(_ bytes: ReadOnlyBytes, magic: UInt32) throws(StorageError) {
        self.bytes = bytes
        var reader = ByteReader(bytes.bytes, path: bytes.path)
        try IndexFileMagic.check(&reader, magic: magic)
        count = Int(try reader.read(UInt32.self))
        keys = try reader.readArray(of: UInt32.self, count: count)
        try reader.skip(toAlignment: 8)
        offsets = try reader.readArray(of: UInt64.self, count: count + 1)
        recordsStart = reader.offset
        let available = UInt64(bytes.bytes.count - recordsStart)
        var previous: UInt64 = 0
        for offset in offsets {
            guard offset >= previous, offset <= available else {
                throw StorageError.corrupt(bytes.path, "record offsets are out of order or past the end")
            }
            previous = offset
        }
        guard offsets.first == 0, offsets.last == available else {
            throw StorageError.corrupt(bytes.path, "records do not fill the file")
        }
    }

    /// A reader positioned at the start of record `index`, limited to that record's bytes.
    func reader(at index: Int) -> ByteReader {
        precondition(index >= 0 && index < count, "record \(index) of \(count)")
        let start = recordsStart + Int(offsets[index])
        let end = recordsStart + Int(offsets[index + 1])
        return ByteReader(UnsafeRawBufferPointer(rebasing: bytes.bytes[start..<end]), path: bytes.path)
    }
}

extension Passage {
    func encodedRecord(documentIndex: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(UInt32(documentIndex))
        writer.write(UInt32(ordinal))
        writer.write(UInt32(range.lowerBound))
        writer.write(UInt32(range.upperBound))
        writer.write(sectionPath)
        writer.write(text)
        writer.write(evidenceLevels)
        writer.write(UInt32(references.count))
        writer.write(contentsOf: references.map { UInt32($0) })
        writer.write(UInt32(pages.count))
        for page in pages { page.encode(into: &writer) }
        return writer.bytes
    }

    /// Decodes a passage record; returns the index of its document beside it.
    static func decode(_ reader: inout ByteReader, documentIDs: (Int) throws(StorageError) -> String)
        throws(StorageError) -> (passage: Passage, documentIndex: Int)
    {
        let documentIndex = Int(try reader.read(UInt32.self))
        let ordinal = Int(try reader.read(UInt32.self))
        let start = Int(try reader.read(UInt32.self))
        let end = Int(try reader.read(UInt32.self))
        guard start <= end else { throw StorageError.corrupt(reader.path, "a passage ends before it starts") }
        let sectionPath = try reader.readStrings()
        let text = try reader.readString()
        let evidenceLevels = try reader.readStrings()
        let referenceCount = try reader.readCount(limit: reader.bytes.count / 4)
        var references: [Int] = []
        for _ in 0..<referenceCount { references.append(Int(try reader.read(UInt32.self))) }
        var pages: [PageReference] = []
        for _ in 0..<(try reader.readCount()) { pages.append(try PageReference.decode(&reader)) }
        var passage = Passage(
            documentID: try documentIDs(documentIndex), ordinal: ordinal, sectionPath: sectionPath,
            range: start..<end, text: text, evidenceLevels: evidenceLevels, references: references)
        passage.pages = pages
        return (passage, documentIndex)
    }
}

extension Document {
    func encodedRecord() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(id)
        writer.write(title)
        writer.write(UInt8(url == nil ? 0 : 1))
        writer.write(url ?? "")
        identifiers.encode(into: &writer)
        let keys = metadata.keys.sorted()
        writer.write(keys)
        writer.write(keys.map { metadata[$0] ?? "" })
        writer.write(format.rawValue)
        writer.write(UInt32(bodyRange.lowerBound))
        writer.write(UInt32(bodyRange.upperBound))
        writer.write(source)
        writer.write(UInt32(sections.count))
        for section in sections {
            writer.write(section.path)
            writer.write(UInt32(section.range.lowerBound))
            writer.write(UInt32(section.range.upperBound))
        }
        writer.write(UInt32(bibliography.count))
        for entry in bibliography {
            writer.write(entry.key)
            writer.write(entry.label ?? "")
            writer.write(entry.text)
            entry.identifiers.encode(into: &writer)
        }
        writer.write(UInt32(referenceMentions.count))
        for mention in referenceMentions {
            writer.write(UInt32(mention.offset))
            writer.write(UInt32(mention.entry))
        }
        writer.write(UInt32(pages.count))
        for page in pages {
            PageReference(number: page.number, label: page.label).encode(into: &writer)
            writer.write(UInt32(page.range.lowerBound))
            writer.write(UInt32(page.range.upperBound))
        }
        writer.write(UInt32(words.count))
        for word in words {
            writer.write(UInt32(word.range.lowerBound))
            writer.write(UInt32(word.range.upperBound))
            writer.write(UInt32(word.page))
            for value in [word.x, word.y, word.width, word.height] { writer.write(value) }
        }
        return writer.bytes
    }

    static func decode(_ reader: inout ByteReader) throws(StorageError) -> Document {
        let id = try reader.readString()
        let title = try reader.readString()
        let hasURL = try reader.read(UInt8.self) == 1
        let url = try reader.readString()
        let identifiers = try WorkIdentifiers.decode(&reader)
        let keys = try reader.readStrings()
        let values = try reader.readStrings()
        guard keys.count == values.count else {
            throw StorageError.corrupt(reader.path, "metadata of \(id) has \(keys.count) keys, \(values.count) values")
        }
        let formatName = try reader.readString()
        guard let format = CorpusFormat(rawValue: formatName) else {
            throw StorageError.corrupt(reader.path, "unknown document format \"\(formatName)\"")
        }
        let bodyStart = Int(try reader.read(UInt32.self))
        let bodyEnd = Int(try reader.read(UInt32.self))
        let source = try reader.readString()
        guard bodyStart <= bodyEnd else {
            throw StorageError.corrupt(reader.path, "body of \(id) ends before it starts")
        }
        var sections: [DocumentSection] = []
        for _ in 0..<(try reader.readCount()) {
            let path = try reader.readStrings()
            let start = Int(try reader.read(UInt32.self))
            let end = Int(try reader.read(UInt32.self))
            guard start <= end else {
                throw StorageError.corrupt(reader.path, "a section of \(id) ends before it starts")
            }
            sections.append(DocumentSection(path: path, range: start..<end))
        }
        var bibliography: [BibliographyEntry] = []
        for _ in 0..<(try reader.readCount()) {
            let key = try reader.readString()
            let label = try reader.readString()
            let text = try reader.readString()
            bibliography.append(
                BibliographyEntry(
                    key: key, label: label.isEmpty ? nil : label, text: text,
                    identifiers: try WorkIdentifiers.decode(&reader)))
        }
        var mentions: [ReferenceMention] = []
        for _ in 0..<(try reader.readCount()) {
            let offset = Int(try reader.read(UInt32.self))
            let entry = Int(try reader.read(UInt32.self))
            guard entry < bibliography.count else {
                throw StorageError.corrupt(reader.path, "a reference mention of \(id) cites no entry")
            }
            mentions.append(ReferenceMention(offset: offset, entry: entry))
        }
        var pages: [DocumentPage] = []
        for _ in 0..<(try reader.readCount()) {
            let page = try PageReference.decode(&reader)
            let start = Int(try reader.read(UInt32.self))
            let end = Int(try reader.read(UInt32.self))
            guard start <= end else { throw StorageError.corrupt(reader.path, "a page of \(id) ends before it starts") }
            pages.append(DocumentPage(number: page.number, label: page.label, range: start..<end))
        }
        var words: [WordBox] = []
        let wordCount = try reader.readCount()
        words.reserveCapacity(wordCount)
        for _ in 0..<wordCount {
            let start = Int(try reader.read(UInt32.self))
            let end = Int(try reader.read(UInt32.self))
            let page = Int(try reader.read(UInt32.self))
            let x = try reader.readFloat()
            let y = try reader.readFloat()
            let width = try reader.readFloat()
            let height = try reader.readFloat()
            guard start <= end else { throw StorageError.corrupt(reader.path, "a word of \(id) ends before it starts") }
            words.append(WordBox(range: start..<end, page: page, x: x, y: y, width: width, height: height))
        }
        return Document(
            id: id, title: title, url: hasURL ? url : nil,
            metadata: Dictionary(zip(keys, values), uniquingKeysWith: { first, _ in first }), source: source,
            bodyRange: bodyStart..<bodyEnd, format: format, sections: sections, identifiers: identifiers,
            bibliography: bibliography, referenceMentions: mentions, pages: pages, words: words)
    }
}

extension WorkIdentifiers {
    /// Writes the three identifiers, an empty string for each one unknown. They follow the URL in a document
    /// record, so that an index reads them with the header (id, title, URL) of every document at load.
    func encode(into writer: inout ByteWriter) {
        writer.write([pmid ?? "", pmcid ?? "", doi ?? ""])
    }

    static func decode(_ reader: inout ByteReader) throws(StorageError) -> WorkIdentifiers {
        let values = try reader.readStrings()
        guard values.count == 3 else {
            throw StorageError.corrupt(reader.path, "identifiers hold \(values.count) values, not 3")
        }
        func value(_ index: Int) -> String? { values[index].isEmpty ? nil : values[index] }
        return WorkIdentifiers(pmid: value(0), pmcid: value(1), doi: value(2))
    }
}

extension PageReference {
    /// Writes the page's number and its label (empty when it has none): in passage records, and at the head of
    /// each of a document record's pages.
    func encode(into writer: inout ByteWriter) {
        writer.write(UInt32(number))
        writer.write(label ?? "")
    }

    static func decode(_ reader: inout ByteReader) throws(StorageError) -> PageReference {
        let number = Int(try reader.read(UInt32.self))
        let label = try reader.readString()
        return PageReference(number: number, label: label.isEmpty ? nil : label)
    }
}
