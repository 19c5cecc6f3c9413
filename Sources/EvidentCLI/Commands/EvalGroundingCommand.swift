import ArgumentParser
import Evident
import Foundation

struct EvalGroundingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-grounding",
        abstract: "Measure grounding on claims with annotated evidence (SciFact): citation recall, evidence "
            + "sentences, verdicts.",
        discussion: """
            Each claim of the queries file is grounded as `evident ground --claims` would. For claims whose \
            metadata holds evidence ({doc_id: [{"sentences": [...], "label": "SUPPORT" | "CONTRADICT"}]}): \
            citation recall is the share with a gold abstract among the citations, evidence-sentence accuracy the \
            share with a cited sentence among the gold evidence sentences. The confusion matrix counts verdicts \
            by gold label (claims with empty metadata count as NO EVIDENCE).

            --calibrate first fits the support score to the claims (their gold evidence sentences against \
            candidate sentences of abstracts without evidence), prints the fitted model, and evaluates with it.

            JSON: {"claims", "claims_with_evidence", "citation_recall", "evidence_sentence_accuracy", \
            "confusion": {label: {verdict: count}}, "seconds", "claims_per_second", "model"?}
            """)

    @Argument(help: "An index directory of the claims' corpus, built with a model.") var index: String
    @Option(help: "Claims: JSON lines {\"_id\", \"text\", \"metadata\"} (SciFact's queries.jsonl).")
    var queries: String
    @Option(help: "Evaluate only the first N claims.") var limit: Int?
    @Flag(help: "Fit the support score on these claims first and print it.") var calibrate = false
    @Flag(help: "Print the metrics as JSON.") var json = false
    @Option(help: ArgumentHelp(ModelLocation.optionHelp, valueName: "dir")) var model: String?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be positive.") }
    }

    func run() throws {
        let evidentIndex = try openIndex(index)
        var claims: [EvaluationQuery]
        do {
            claims = try QueryFile.read(at: URL(fileURLWithPath: queries))
        } catch let issue as EvaluationIssue {
            throw CommandFailure(issue.description)
        }
        if let limit { claims = Array(claims.prefix(limit)) }
        guard claims.contains(where: { $0.evidence != nil }) else {
            throw CommandFailure(
                "\(queries): no claim has evidence metadata; give SciFact-style claims "
                    + "({\"_id\", \"text\", \"metadata\": {doc_id: [{\"sentences\", \"label\"}]}})")
        }
        var grounder = Grounder(retriever: try groundingRetriever(for: evidentIndex, model: model))
        let progress = ProgressLine(isEnabled: !json && Terminal.standardErrorIsTerminal)
        var fitted: SupportModel?
        if calibrate {
            let examples = try grounder.calibrationExamples(claims) { done in
                progress.update("calibrating: \(done) claims")
            }
            let model = Grounder.calibrate(examples)
            grounder.configuration.supportModel = model
            fitted = model
            let positives = examples.filter(\.isEvidence).count
            Terminal.writeError(
                "calibrated on \(positives) evidence sentences and \(examples.count - positives) others: "
                    + "SupportModel(bias: \(model.bias), weights: \(model.weights))\n")
        }
        let evaluation = try grounder.evaluate(claims) { done in
            progress.update("grounding: \(done)/\(claims.count) claims")
        }
        progress.finish()
        if json {
            let report = Report(
                claims: evaluation.claims, claimsWithEvidence: evaluation.claimsWithEvidence,
                citationRecall: evaluation.citationRecall,
                evidenceSentenceAccuracy: evaluation.evidenceSentenceAccuracy, confusion: evaluation.confusion,
                seconds: evaluation.seconds,
                claimsPerSecond: evaluation.seconds > 0 ? Double(evaluation.claims) / evaluation.seconds : 0,
                model: fitted)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print(
            """
            claims                      \(evaluation.claims) (\(evaluation.claimsWithEvidence) with evidence)
            citation recall             \(Format.decimal(evaluation.citationRecall, places: 4))  \
            (a gold abstract among the citations)
            evidence-sentence accuracy  \(Format.decimal(evaluation.evidenceSentenceAccuracy, places: 4))  \
            (a cited sentence is gold evidence)
            time                        \(Format.seconds(evaluation.seconds)), \
            \(Format.decimal(Double(evaluation.claims) / max(evaluation.seconds, 1e-9), places: 1)) claims/s
            """)
        let verdicts = Verdict.allCases.map(\.rawValue)
        // SciFact's labels first, in their usual order, then any other (mixed annotations).
        let usual = ["SUPPORT", "CONTRADICT", GroundingEvaluation.noEvidence]
        let labels =
            usual.filter { evaluation.confusion[$0] != nil }
            + evaluation.confusion.keys.sorted().filter { !usual.contains($0) }
        print("\nverdicts by gold label:")
        print(
            "  " + "label".padding(toLength: 12, withPad: " ", startingAt: 0)
                + verdicts.map { $0.padding(toLength: 21, withPad: " ", startingAt: 0) }.joined())
        for label in labels {
            let row = evaluation.confusion[label] ?? [:]
            print(
                "  " + label.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + verdicts.map { String(row[$0] ?? 0).padding(toLength: 21, withPad: " ", startingAt: 0) }.joined())
        }
    }

    private struct Report: Encodable {
        var claims: Int
        var claimsWithEvidence: Int
        var citationRecall: Double
        var evidenceSentenceAccuracy: Double
        var confusion: [String: [String: Int]]
        var seconds: Double
        var claimsPerSecond: Double
        var model: SupportModel?
    }
}
