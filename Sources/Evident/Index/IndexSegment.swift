import EvidentStorage

/// What one build wrote: documents, passages, the lexical index, the metadata fields and, with a model, the
/// vectors. An index is its first segment (the files at the top of its directory) and the segments updates added
/// (each in a folder of its own), with the documents an update replaced or removed marked deleted.
///
/// Numbers inside a segment are local; `EvidentIndex` adds `passageOffset` and `documentOffset` to number every
/// passage and document of the index once.
package struct IndexSegment: Sendable {
    /// The segment's folder inside the index directory; empty for the first segment.
    let name: String
    let lexical: LexicalIndex
    let passageFile: RecordFile
    let documentFile: RecordFile
    let documentHeaders: [EvidentIndex.DocumentHeader]
    let fields: DocumentFields
    let vectors: FlatVectorIndex?
    let quantizedVectors: Int8VectorIndex?
    let approximateIndex: ApproximateVectorIndex?
    let sentenceVectors: SentenceVectors?
    /// The lines repeated across the corpus that the build left out as boilerplate; `nil` in older indexes.
    let repeatedLines: Set<String>?
    /// The index-wide numbers of the segment's first passage, document and sentence vector.
    var passageOffset = 0
    var documentOffset = 0
    var sentenceRowOffset = 0
    /// The documents deleted by later updates (local numbers); `nil` when none is.
    private(set) var deletedDocuments: RowSet?
    /// The passages of the documents that are not deleted (local numbers); `nil` when every one is live.
    private(set) var livePassages: RowSet?
    /// What the deleted passages held: those with a term, their terms in all, and each term's postings among them.
    private(set) var deletedScoredPassages = 0
    private(set) var deletedLength = 0
    private(set) var deletedFrequencies: [String: Int] = [:]

    var passageCount: Int { passageFile.count }
    var documentCount: Int { documentFile.count }

    /// Opens a segment from its files, checking each against the others.
    ///
    /// - Parameters:
    ///   - name: The segment's folder (empty for the first).
    ///   - files: The segment's files by name.
    ///   - configuration: The settings of the index.
    /// - Throws: `StorageError` when a file is missing, damaged, or disagrees with another.
    init(name: String, files: [String: ReadOnlyBytes], configuration: IndexConfiguration) throws(StorageError) {
        func file(_ fileName: String) throws(StorageError) -> ReadOnlyBytes {
            guard let bytes = files[fileName] else {
                throw StorageError.missingFile(path: name.isEmpty ? fileName : "\(name)/\(fileName)")
            }
            return bytes
        }
        self.name = name
        var lexical = try LexicalIndex(
            lexicon: file(IndexBuild.FileName.lexicon), postings: file(IndexBuild.FileName.postings),
            norms: file(IndexBuild.FileName.norms))
        if case .bm25(let parameters) = configuration.scoring {
            lexical.defaultInverseNorms = (
                parameters, LexicalIndex.inverseNorms(parameters, averageLength: lexical.averageLength)
            )
        }
        self.lexical = lexical
        passageFile = try RecordFile(file(IndexBuild.FileName.passages), magic: IndexFileMagic.passages)
        documentFile = try RecordFile(file(IndexBuild.FileName.documents), magic: IndexFileMagic.documents)
        guard passageFile.count == lexical.passageCount else {
            throw StorageError.corrupt(
                passageFile.bytes.path,
                "it holds \(passageFile.count) passages; the lexical index has \(lexical.passageCount)")
        }
        var previousDocument: UInt32 = 0
        for documentIndex in passageFile.keys {
            guard Int(documentIndex) < documentFile.count, documentIndex >= previousDocument else {
                throw StorageError.corrupt(
                    passageFile.bytes.path,
                    "a passage names document \(documentIndex) of \(documentFile.count), or out of order")
            }
            previousDocument = documentIndex
        }
        var headers: [EvidentIndex.DocumentHeader] = []
        headers.reserveCapacity(documentFile.count)
        for index in 0..<documentFile.count {
            var reader = documentFile.reader(at: index)
            let id = try reader.readString()
            let title = try reader.readString()
            let hasURL = try reader.read(UInt8.self) == 1
            let url = try reader.readString()
            let identifiers = try WorkIdentifiers.decode(&reader)
            headers.append(
                EvidentIndex.DocumentHeader(id: id, title: title, url: hasURL ? url : nil, identifiers: identifiers))
        }
        documentHeaders = headers
        repeatedLines = try files[IndexBuild.FileName.repeatedLines].map(IndexBuilder.decodeRepeatedLines)
        if let bytes = files[IndexBuild.FileName.fields] {
            fields = try DocumentFields(bytes, documentCount: documentFile.count)
        } else {
            // An index written before filters: collect the fields from the documents' records.
            var documents: [Document] = []
            documents.reserveCapacity(documentFile.count)
            for index in 0..<documentFile.count {
                var reader = documentFile.reader(at: index)
                documents.append(try Document.decode(&reader))
            }
            fields = DocumentFields(documents: documents)
        }
        guard let embedding = configuration.embedding else {
            vectors = nil
            quantizedVectors = nil
            approximateIndex = nil
            sentenceVectors = nil
            return
        }
        let vectorFile = try file(IndexBuild.FileName.vectors)
        let flat = try FlatVectorIndex(vectorFile)
        guard flat.count == passageFile.count, flat.dimension == embedding.dimension else {
            throw StorageError.corrupt(
                vectorFile.path,
                "it holds \(flat.count) vectors of \(flat.dimension) dimensions for \(passageFile.count) passages "
                    + "of a \(embedding.dimension)-dimensional model")
        }
        vectors = flat
        let quantized = try Int8VectorIndex(file(IndexBuild.FileName.quantizedVectors), rescoringWith: flat)
        quantizedVectors = quantized
        // A segment an update added has an approximate index only when it was large enough
        // (`ApproximateIndexMethod.smallestSegment`); without one it is scanned exactly. A large graph walks the
        // int8 codes the index keeps anyway, and re-scores in fp32 (`HNSWVectorIndex.codeWalkThreshold`).
        switch embedding.approximateIndex {
        case .ivf where files[IndexBuild.FileName.ivfVectors] != nil:
            approximateIndex = .ivf(try IVFVectorIndex(file(IndexBuild.FileName.ivfVectors), rescoringWith: flat))
        case .hnsw where files[IndexBuild.FileName.hnswVectors] != nil:
            approximateIndex = .hnsw(
                try HNSWVectorIndex(file(IndexBuild.FileName.hnswVectors), linking: flat)
                    .searchingAsAnIndex(codes: quantized))
        default:
            approximateIndex = nil
        }
        if let bytes = files[IndexBuild.FileName.sentenceVectors] {
            let sentences = try SentenceVectors(bytes, passageCount: passageFile.count)
            guard sentences.dimension == embedding.dimension else {
                throw StorageError.corrupt(
                    bytes.path, "its vectors have \(sentences.dimension) dimensions, the model \(embedding.dimension)")
            }
            sentenceVectors = sentences
        } else {
            sentenceVectors = nil
        }
    }

    /// Marks `documents` (local numbers) deleted, and counts what their passages held so that the index's BM25
    /// statistics leave them out.
    mutating func markDeleted(_ documents: RowSet) {
        precondition(documents.rowCount == documentCount, "deletions of \(documents.rowCount) documents")
        guard documents.count > 0 else { return }
        deletedDocuments = documents
        var live = RowSet(rowCount: passageCount)
        for run in documents.runs { live.insert(passageIndices(ofDocuments: run)) }
        live.formComplement()
        livePassages = live
        var scored = 0
        var length = 0
        for passage in 0..<passageCount where !live.contains(passage) {
            let passageLength = Int(lexical.lengths[passage])
            length += passageLength
            scored += passageLength > 0 ? 1 : 0
        }
        deletedScoredPassages = scored
        deletedLength = length
        deletedFrequencies = lexical.postingCounts { !live.contains($0) }
    }

    /// The passages of the documents `documents` (local numbers): passages are stored in document order.
    func passageIndices(ofDocuments documents: Range<Int>) -> Range<Int> {
        let keys = passageFile.keys
        func firstPassage(atLeast document: Int) -> Int {
            var low = 0
            var high = keys.count
            while low < high {
                let middle = (low + high) / 2
                if Int(keys[middle]) < document { low = middle + 1 } else { high = middle }
            }
            return low
        }
        return firstPassage(atLeast: documents.lowerBound)..<firstPassage(atLeast: documents.upperBound)
    }

    /// The segment's passages (local numbers) that a search may return: those of `allowed` (index-wide numbers;
    /// every passage when `nil`) that no update deleted; `nil` when that is every passage.
    func keptPassages(_ allowed: RowSet?) -> RowSet? {
        var kept = allowed.map { $0.slice(passageOffset..<(passageOffset + passageCount)) }
        if let live = livePassages {
            if kept == nil { kept = live } else { kept?.formIntersection(live) }
        }
        return kept
    }

    /// Whether the document (local number) is deleted.
    func isDeleted(document: Int) -> Bool { deletedDocuments?.contains(document) ?? false }
}
