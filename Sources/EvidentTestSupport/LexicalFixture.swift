public import Evident

/// The demo corpus (`Corpus/`, without its sample answers) indexed without a model: lexical search, and ask and
/// grounding that compare words. Built once, in a second or two.
public enum LexicalFixture {
    /// The demo corpus without its sample answers, read once.
    public static let documents: [Document]? = try? CorpusReader(
        configuration: CorpusReaderConfiguration(excludedPaths: ["answers"])
    ).read(at: SharedData.demoCorpus).documents

    /// A lexical retriever over the demo corpus; `nil` when the corpus is missing.
    public static let retriever: Retriever? = {
        guard let documents, let index = try? EvidentIndex(build: IndexBuilder().build(documents: documents))
        else { return nil }
        return Retriever(index: index)
    }()
}
