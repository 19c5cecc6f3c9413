import ArgumentParser
import Evident
import Foundation

struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a question with 3 to 6 sentences quoted from the corpus, each cited.",
        discussion: """
            The answer is extractive: every sentence is a sentence of the corpus, chosen from the best passages \
            for its relevance to the question and for adding something the others do not (maximal marginal \
            relevance), and printed in the order it is read in its document. Each carries an [n] marker for its \
            reference: the source sentence exactly as written, with its character offsets in the source file.

            Fewer sentences than --sentences come back when no other sentence of the best passages is close \
            enough to the question (past three, within 60 % of the best one's relevance); the answer says so.

            JSON: {"question", "answer", "sentences": [{"text", "reference", "relevance"}], "references": \
            [{"document", "title", "section", "url", "quote", "start", "end", "score"}], "requested"}
            """)

    @Argument(help: "An index directory written by `evident index`.") var index: String
    @Argument(help: "The question.") var question: String
    @Option(help: "Sentences in the answer (3–6).") var sentences = 5
    @Flag(help: "Print the answer as JSON.") var json = false
    @Option(help: ArgumentHelp(ModelLocation.optionHelp, valueName: "dir")) var model: String?
    @OptionGroup var filterOptions: FilterOptions
    @OptionGroup var shardStatistics: ShardStatisticsOptions

    func validate() throws {
        guard (3...6).contains(sentences) else { throw ValidationError("--sentences must lie between 3 and 6.") }
        guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("The question is empty.")
        }
    }

    func run() throws {
        let evidentIndex = try shardStatistics.openIndex(index)
        var answerer = ExtractiveAnswerer(
            retriever: try groundingRetriever(for: evidentIndex, model: model, purpose: "ask"))
        answerer.filter = filterOptions.filter
        let answer = try answerer.answer(question, sentenceCount: sentences)
        if json {
            print(try GroundCommand.jsonString(answer))
        } else {
            print(GroundingRenderer(usesColor: Terminal.usesColor).renderTerminal(answer), terminator: "")
        }
    }
}
