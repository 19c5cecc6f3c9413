import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// Writes `text` to a new temporary file named `name` and returns its URL.
private func temporaryFile(_ name: String, _ text: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evident-eval-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
}

/// The issue `body` throws, recorded as a failure when it throws none or another error.
private func evaluationIssue(_ body: () throws -> Void) -> EvaluationIssue? {
    do {
        try body()
        Issue.record("expected an EvaluationIssue; nothing was thrown")
    } catch let issue as EvaluationIssue {
        return issue
    } catch {
        Issue.record("expected an EvaluationIssue; got \(error)")
    }
    return nil
}

@Suite(.offThePool) struct RetrievalMetricsTests {
    // MARK: nDCG

    @Test func ndcgUsesLinearGainsAndALog2Discount() {
        // Ranks: x 1 (unjudged), a 2 (grade 2), c 3 (grade 0), d 4 (grade 1), b 5 (grade 1).
        // DCG  = 2/log2(3) + 1/log2(5) + 1/log2(6) = 1.2618595 + 0.4306766 + 0.3868528 = 2.0793889
        // IDCG = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.6309298 + 0.5             = 3.1309298
        // nDCG = 0.6641442 (with 2^grade − 1 gains it would be 0.6561038)
        let judgments = ["a": 2, "b": 1, "c": 0, "d": 1]
        let value = RetrievalMetrics.ndcg(ranking: ["x", "a", "c", "d", "b"], judgments: judgments, cutoff: 10)
        #expect(abs(value - 0.6641442115) < 1e-9)
        #expect(RetrievalMetrics.ndcg(ranking: ["a", "b", "d"], judgments: judgments, cutoff: 10) == 1)
    }

    @Test func ndcgIgnoresRelevantDocumentsBeyondTheCutoff() {
        // "a" is at rank 3: 0 at cutoff 2; at cutoff 3, (1/log2(4)) / (1/log2(2)) = 0.5.
        let judgments = ["a": 1]
        #expect(RetrievalMetrics.ndcg(ranking: ["x", "y", "a"], judgments: judgments, cutoff: 2) == 0)
        #expect(RetrievalMetrics.ndcg(ranking: ["x", "y", "a"], judgments: judgments, cutoff: 3) == 0.5)
    }

    @Test func theIdealRankingIsCutAtTheCutoffToo() {
        // Three relevant documents, cutoff 1: the ideal DCG is 1 (not 1 + 1/log2(3) + 1/log2(4) = 2.1309,
        // which would give 0.4692787).
        let judgments = ["a": 1, "b": 1, "c": 1]
        #expect(RetrievalMetrics.ndcg(ranking: ["a"], judgments: judgments, cutoff: 1) == 1)
    }

    @Test func queriesWithoutRelevantDocumentsScoreZero() {
        for judgments in [[:], ["a": 0], ["a": -1]] as [[String: Int]] {
            #expect(RetrievalMetrics.ndcg(ranking: ["a"], judgments: judgments, cutoff: 10) == 0)
            #expect(RetrievalMetrics.recall(ranking: ["a"], judgments: judgments, cutoff: 10) == 0)
            #expect(RetrievalMetrics.reciprocalRank(ranking: ["a"], judgments: judgments, cutoff: 10) == 0)
        }
    }

    @Test func aDocumentRankedTwiceCountsOnce() {
        // Distinct prefix at cutoff 2 is [a, b]: DCG = 1 + 1/log2(3) = IDCG, so 1; recall 2/2.
        let judgments = ["a": 1, "b": 1]
        #expect(RetrievalMetrics.ndcg(ranking: ["a", "a", "b"], judgments: judgments, cutoff: 2) == 1)
        #expect(RetrievalMetrics.recall(ranking: ["a", "a", "b"], judgments: judgments, cutoff: 2) == 1)
    }

    // MARK: Recall and MRR

    @Test func recallCountsRelevantDocumentsWithinTheCutoff() {
        // Relevant: a, b, d (c is graded 0). Within 4: a and d → 2/3; within 5: all three → 1.
        let judgments = ["a": 1, "b": 2, "c": 0, "d": 1]
        let ranking = ["a", "c", "x", "d", "b"]
        #expect(abs(RetrievalMetrics.recall(ranking: ranking, judgments: judgments, cutoff: 4) - 2.0 / 3) < 1e-12)
        #expect(RetrievalMetrics.recall(ranking: ranking, judgments: judgments, cutoff: 5) == 1)
        #expect(RetrievalMetrics.recall(ranking: [], judgments: judgments, cutoff: 5) == 0)
    }

    @Test func reciprocalRankIsOneOverTheFirstRelevantRank() {
        // c is judged but graded 0, so the first relevant is b at rank 3 → 1/3; not within a cutoff of 2 → 0.
        let judgments = ["b": 1, "c": 0]
        #expect(RetrievalMetrics.reciprocalRank(ranking: ["x", "c", "b"], judgments: judgments, cutoff: 10) == 1.0 / 3)
        #expect(RetrievalMetrics.reciprocalRank(ranking: ["x", "c", "b"], judgments: judgments, cutoff: 2) == 0)
        #expect(RetrievalMetrics.reciprocalRank(ranking: ["b"], judgments: judgments, cutoff: 1) == 1)
    }

    @Test func rankingsDropTheQueryAndBreakTiesAsTrecEval() {
        #expect(RetrievalMetrics.ranking(["q1", "d1", "q1x", "d2"], excludingQueryID: "q1") == ["d1", "q1x", "d2"])
        // Score descending, then identifier descending: c (2), then the tie b, a, then d (0.5).
        let scored: [(documentID: String, score: Double)] = [("a", 1), ("d", 0.5), ("b", 1), ("c", 2)]
        #expect(RetrievalMetrics.ranking(scored: scored) == ["c", "b", "a", "d"])
    }

    // MARK: Aggregate

    @Test func evaluationAveragesOverJudgedQueriesAndReportsMissingOnes() {
        let judgments = RelevanceJudgments(judgments: [
            "q1": ["d2": 1], "q2": ["d3": 1], "gone": ["d1": 1],
        ])
        let queries = [
            EvaluationQuery(id: "q1", text: "one"), EvaluationQuery(id: "q2", text: "two"),
            EvaluationQuery(id: "q3", text: "unjudged"),
        ]
        // q1: d2 at rank 2 → nDCG 1/log2(3) = 0.6309298, recall 1, MRR 0.5. q2: no ranking → 0, 0, 0.
        // Means over the two judged queries: 0.3154649, 0.5, 0.25. "gone" is judged but not a query.
        let evaluation = RetrievalEvaluation(
            rankings: ["q1": ["d1", "d2"], "q3": ["d1"]], judgments: judgments, queries: queries)
        #expect(evaluation.queries == 2)
        #expect(abs(evaluation.ndcgAt10 - 0.3154648768) < 1e-9)
        #expect(evaluation.recallAt100 == 0.5)
        #expect(evaluation.mrrAt10 == 0.25)
        #expect(evaluation.missingQueryIDs == ["gone"])
        #expect(evaluation.unjudgedQueries == 1)
        #expect(evaluation.perQuery["q2"] == QueryRetrievalScores(ndcgAt10: 0, recallAt100: 0, mrrAt10: 0))
    }

    // MARK: TREC runs

    @Test func trecRunLinesNumberRanksFromOne() {
        let text = TRECRun.format(queryID: "7", ranking: [("d9", 12.5), ("d2", 3)], tag: "bm25")
        #expect(text == "7 Q0 d9 1 12.5 bm25\n7 Q0 d2 2 3.0 bm25\n")
        #expect(TRECRun.format(queryID: "7", ranking: [], tag: "bm25") == "")
    }

    // MARK: Relevance judgments

    @Test func beirQrelsWithAHeaderAndTrecQrelsRead() throws {
        let beir = try temporaryFile("test.tsv", "query-id\tcorpus-id\tscore\n1\td1\t1\n1\td2\t2\n\n2\td1\t0\n")
        #expect(try RelevanceJudgments.read(at: beir).judgments == ["1": ["d1": 1, "d2": 2], "2": ["d1": 0]])
        let trec = try temporaryFile("qrels.txt", "301 0 FBIS3-1 1\r\n301 0 FBIS3-2 0\r\n302 0 LA-9 2\r\n")
        let judgments = try RelevanceJudgments.read(at: trec)
        #expect(judgments.judgments == ["301": ["FBIS3-1": 1, "FBIS3-2": 0], "302": ["LA-9": 2]])
        #expect(judgments["302"] == ["LA-9": 2])
        #expect(judgments["nope"].isEmpty)
    }

    @Test(arguments: [
        ("query-id\tcorpus-id\tscore\n1\td1\t1\n1\td2\n", 3, "expected 3 or 4 columns, found 2"),
        ("1\td1\t1\n1\td2\tyes\n", 2, "the grade 'yes' is not an integer"),
        ("1\td1\t1\n2\td1\t1\n1\td1\t2\n", 3, "query '1' and document 'd1' were graded 1 on line 1"),
        ("1 0 d1 1 extra\n", 1, "expected 3 or 4 columns, found 5"),
    ])
    func badQrelsLinesNameTheirLine(text: String, line: Int, reason: String) throws {
        let url = try temporaryFile("bad.tsv", text)
        let found = evaluationIssue { _ = try RelevanceJudgments.read(at: url) }
        #expect(found?.line == line)
        #expect(found?.reason == reason)
        #expect(found?.description.hasPrefix("\(url.path):\(line): \(reason); ") == true)
    }

    @Test func qrelsWithoutJudgmentsAreAnError() throws {
        let url = try temporaryFile("header.tsv", "query-id\tcorpus-id\tscore\n")
        let found = evaluationIssue { _ = try RelevanceJudgments.read(at: url) }
        #expect(found?.reason == "the file holds no judgments")
        #expect(found?.line == nil)
    }

    // MARK: Queries

    @Test func beirQueriesKeepSciFactEvidence() throws {
        let url = try temporaryFile(
            "queries.jsonl",
            """
            {"_id": "0", "text": "0-dimensional biomaterials lack inductive properties.", "metadata": {}}
            {"_id": "2", "text": "Claim two.", "metadata": {"13734012": [{"sentences": [4, 5], "label": "CONTRADICT"}]}}
            {"_id": 3, "text": "Numeric id, other metadata.", "metadata": {"source": "x"}}
            """)
        let queries = try QueryFile.read(at: url)
        #expect(queries.map(\.id) == ["0", "2", "3"])
        #expect(queries.first?.text == "0-dimensional biomaterials lack inductive properties.")
        #expect(
            queries.map(\.evidence) == [
                nil, ["13734012": [EvidenceAnnotation(sentences: [4, 5], label: "CONTRADICT")]], nil,
            ])
    }

    @Test func plainTextQueriesAreNumberedFromOne() throws {
        let url = try temporaryFile("questions.txt", "How does CAR-T work?\n\n  What is mesothelioma?  \n")
        let queries = try QueryFile.read(at: url)
        #expect(
            queries == [
                EvaluationQuery(id: "1", text: "How does CAR-T work?"),
                EvaluationQuery(id: "2", text: "What is mesothelioma?"),
            ])
    }

    @Test(arguments: [
        ("{\"_id\": \"1\", \"text\": \"a\"}\n{\"_id\": \"2\", \"text\": \"b\"\n", 2, "the line is not valid JSON"),
        ("{\"_id\": \"1\", \"text\": \"a\"}\n\n{\"_id\": \"2\"}\n", 3, "the query '2' has no string \"text\""),
        ("{\"text\": \"a\"}\n", 1, "the query has no string \"_id\""),
        (
            "{\"_id\": \"1\", \"text\": \"a\"}\n{\"_id\": \"1\", \"text\": \"b\"}\n", 2,
            "query id '1' was already given on line 1"
        ),
    ])
    func badQueryLinesNameTheirLine(text: String, line: Int, reason: String) throws {
        let url = try temporaryFile("queries.jsonl", text)
        let found = evaluationIssue { _ = try QueryFile.read(at: url) }
        #expect(found?.line == line)
        #expect(found?.reason == reason)
        #expect(found?.file == url.path)
    }

    @Test func invalidUTF8AndEmptyQueryFilesAreErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evident-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let binary = folder.appendingPathComponent("q.txt")
        try Data([0x61, 0x0A, 0x62, 0x0A, 0xC3]).write(to: binary)
        #expect(evaluationIssue { _ = try QueryFile.read(at: binary) }?.line == 3)
        let empty = try temporaryFile("empty.txt", " \n")
        #expect(evaluationIssue { _ = try QueryFile.read(at: empty) }?.reason == "the file holds no queries")
        let missing = folder.appendingPathComponent("missing.jsonl")
        #expect(evaluationIssue { _ = try QueryFile.read(at: missing) }?.file == missing.path)
    }

    // MARK: Shared data

    @Test(.enabled(if: SharedData.sciFact != nil, Comment(rawValue: SharedData.missingMessage)))
    func sciFactQueriesAndTrainingJudgmentsRead() throws {
        let folder = try #require(SharedData.sciFact)
        let queries = try QueryFile.read(at: folder.appendingPathComponent("queries.jsonl"))
        let judgments = try RelevanceJudgments.read(at: folder.appendingPathComponent("qrels/train.tsv"))
        #expect(queries.count == 809)
        #expect(
            queries.first { $0.id == "2" }?.evidence?["13734012"] == [
                EvidenceAnnotation(sentences: [4], label: "CONTRADICT")
            ])
        #expect(judgments.judgments.values.reduce(0) { $0 + $1.count } == 919)
        // A perfect ranking (the judged documents by grade) scores 1 on every metric.
        let rankings = judgments.judgments.mapValues { $0.sorted { $0.value > $1.value }.map(\.key) }
        let evaluation = RetrievalEvaluation(rankings: rankings, judgments: judgments, queries: queries)
        #expect(evaluation.queries == judgments.judgments.count)
        #expect(evaluation.missingQueryIDs.isEmpty)
        #expect(evaluation.ndcgAt10 == 1 && evaluation.recallAt100 == 1 && evaluation.mrrAt10 == 1)
    }
}
