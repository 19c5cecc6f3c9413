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

            --pairs FILE evaluates on your own claims instead, with no index: a CSV file (header row with \
            claim, evidence, label; optional claim_id) or JSON lines ({"claim", "evidence", "label"}), labels \
            Supports, Refutes or Neutral (SUPPORT / CONTRADICT / NOT ENOUGH INFO also do). The evidence texts \
            are indexed in memory (with the model when it is found), every claim is grounded over them, and \
            two matrices are printed: verdicts by the label of the claim's first cited evidence (or \
            OTHER CLAIM'S when it was given for other claims, NOTHING CITED), and verdicts of the claims whose \
            evidence all carries one label. JSON: {"claims", "pairs", "evidence_texts", \
            "confusion_by_first_citation", "confusion_by_claim", "citation_recall", "seconds"}.

            --export-pairs FILE writes the annotated claims of --queries as pairs in that format (each \
            annotation's sentences with its label, and the best candidate sentences of abstracts without \
            evidence as Neutral) for training a verifier, and evaluates nothing.
            """)

    @Argument(help: "An index directory of the claims' corpus, built with a model (not with --pairs).")
    var index: String?
    @Option(help: "Claims: JSON lines {\"_id\", \"text\", \"metadata\"} (SciFact's queries.jsonl).")
    var queries: String?
    @Option(help: ArgumentHelp("Claim/evidence pairs to evaluate on, CSV or JSON lines (no index).", valueName: "file"))
    var pairs: String?
    @Option(
        help: ArgumentHelp(
            "Write the annotated claims of --queries as claim/evidence pairs (JSON lines) and stop.",
            valueName: "file"))
    var exportPairs: String?
    @Option(help: "Evaluate only the first N claims.") var limit: Int?
    @Flag(help: "Fit the support score on these claims first and print it.") var calibrate = false
    @Flag(help: "Print the metrics as JSON.") var json = false
    @Option(help: ArgumentHelp(ModelLocation.optionHelp, valueName: "dir")) var model: String?
    @OptionGroup var verification: VerifierOptions
    @Option(
        help: ArgumentHelp(
            "Cross-validate: a folder of verifiers fold-0, fold-1, … (Scripts/train-verifier.sh --folds K), each "
                + "grounding the claims its fold-claims.json names, which it was trained without.",
            valueName: "dir"))
    var verifierFolds: String?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be positive.") }
        if pairs != nil {
            guard index == nil, queries == nil, exportPairs == nil, !calibrate else {
                throw ValidationError(
                    "--pairs takes no index, --queries, --export-pairs or --calibrate: the pairs' evidence is the "
                        + "corpus.")
            }
        } else {
            guard index != nil, queries != nil else {
                throw ValidationError("Give an index and --queries FILE, or --pairs FILE.")
            }
            if exportPairs != nil, calibrate {
                throw ValidationError("--export-pairs evaluates nothing; drop --calibrate.")
            }
        }
        if verifierFolds != nil, verification.verifier != nil || verification.noVerifier {
            throw ValidationError("--verifier-folds chooses the verifiers; drop --verifier and --no-verifier.")
        }
    }

    func run() throws {
        if let pairs { return try runPairs(pairs) }
        guard let index, let queries else { return }
        let evidentIndex = try openIndex(index)
        var claims: [EvaluationQuery]
        do {
            claims = try QueryFile.read(at: URL(fileURLWithPath: queries))
        } catch let issue as EvaluationIssue {
            throw CommandFailure(issue.description)
        }
        if let limit { claims = Array(claims.prefix(limit)) }
        if let exportPairs {
            let grounder = Grounder(retriever: try groundingRetriever(for: evidentIndex, model: model))
            let progress = ProgressLine(isEnabled: Terminal.standardErrorIsTerminal)
            let exported = try grounder.trainingPairs(claims) { done in
                progress.update("exporting: \(done)/\(claims.count) claims")
            }
            progress.finish()
            try writePairs(exported, to: exportPairs)
            let counts = Dictionary(grouping: exported, by: \.label).mapValues(\.count)
            Terminal.writeError(
                "wrote \(exported.count) pairs of \(claims.count) claims to \(exportPairs) ("
                    + PairLabel.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ") + ")\n")
            return
        }
        guard claims.contains(where: { $0.evidence != nil }) else {
            throw CommandFailure(
                "\(queries): no claim has evidence metadata; give SciFact-style claims "
                    + "({\"_id\", \"text\", \"metadata\": {doc_id: [{\"sentences\", \"label\"}]}})")
        }
        let retriever = try groundingRetriever(for: evidentIndex, model: model)
        let folds = try verifierFolds.map { try Self.folds(in: $0) }
        var grounder = Grounder(
            retriever: retriever, configuration: verification.configuration(),
            verifier: folds == nil ? try verification.load() : nil)
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
        let evaluation: GroundingEvaluation
        if let folds {
            // Each claim is grounded by the verifier of its fold; claims of no fold by none.
            var parts: [GroundingEvaluation] = []
            var done = 0
            var assigned: Set<String> = []
            for fold in folds {
                var foldGrounder = grounder
                foldGrounder.verifier = fold.verifier
                let subset = claims.filter { fold.claims.contains($0.id) }
                assigned.formUnion(subset.map(\.id))
                parts.append(
                    try foldGrounder.evaluate(subset) { count in
                        progress.update("grounding: \(done + count)/\(claims.count) claims (\(fold.name))")
                    })
                done += subset.count
            }
            let rest = claims.filter { !assigned.contains($0.id) }
            if !rest.isEmpty {
                Terminal.writeError("note: \(rest.count) claims are in no fold; grounded without a verifier\n")
                parts.append(try grounder.evaluate(rest))
            }
            evaluation = GroundingEvaluation.merging(parts)
        } else {
            evaluation = try grounder.evaluate(claims) { done in
                progress.update("grounding: \(done)/\(claims.count) claims")
            }
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
            try printJSON(report)
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

    /// The verifiers of a cross-validation folder, each with the claims it was trained without.
    static func folds(in path: String) throws -> [(name: String, verifier: ClaimVerifier, claims: Set<String>)] {
        let folder = URL(fileURLWithPath: path)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            .filter { $0.hasPrefix("fold-") }.sorted()
        guard !names.isEmpty else {
            throw CommandFailure(
                "\(path): no fold-N folders; train them with `Scripts/train-verifier.sh --folds 5 --out \(path)`")
        }
        return try names.map { name in
            let directory = folder.appendingPathComponent(name)
            let list = directory.appendingPathComponent("fold-claims.json")
            guard let data = try? Data(contentsOf: list),
                let ids = try? JSONDecoder().decode([String].self, from: data)
            else {
                throw CommandFailure("\(list.path): missing or not a JSON list of claim ids; train the folds again")
            }
            do {
                return (name, try ClaimVerifier(directory: directory), Set(ids))
            } catch {
                throw Advice.worded(error)
            }
        }
    }

    private func runPairs(_ path: String) throws {
        var rows: [ClaimEvidencePair]
        do {
            rows = try PairFile.read(at: URL(fileURLWithPath: path))
        } catch let issue as EvaluationIssue {
            throw CommandFailure(issue.description)
        }
        if let limit {
            var kept: Set<String> = []
            rows = rows.filter { kept.contains($0.claimID) || (kept.count < limit && kept.insert($0.claimID).inserted) }
        }
        let embedder: SentenceEmbedder?
        if ModelLocation.directory(for: ModelSearchPath.defaultModelID, given: model) != nil {
            embedder = try ModelLocation.load(ModelSearchPath.defaultModelID, given: model)
        } else {
            Terminal.writeError(
                "note: \(ModelSearchPath.defaultModelID) not found; grounding on word overlap alone (run `make setup` "
                    + "or pass --model DIR)\n")
            embedder = nil
        }
        let progress = ProgressLine(isEnabled: !json && Terminal.standardErrorIsTerminal)
        progress.update("indexing the evidence of \(rows.count) pairs")
        let evaluation = try PairEvaluation.run(
            rows, embedder: embedder, configuration: verification.configuration(), verifier: try verification.load()
        ) { done in
            progress.update("grounding: \(done) claims")
        }
        progress.finish()
        if json {
            try printJSON(evaluation)
            return
        }
        print(
            """
            claims             \(evaluation.claims) (\(evaluation.pairs) pairs, \(evaluation.evidenceTexts) evidence texts)
            citation recall    \(Format.decimal(evaluation.citationRecall, places: 4))  \
            (of claims with Supports or Refutes evidence, cited some of it)
            time               \(Format.seconds(evaluation.seconds)), \
            \(Format.decimal(Double(evaluation.claims) / max(evaluation.seconds, 1e-9), places: 1)) claims/s
            """)
        let labels = PairLabel.allCases.map(\.rawValue)
        printMatrix(
            "verdicts by the label of the first cited evidence:", evaluation.confusionByFirstCitation,
            rows: labels + [PairEvaluation.otherEvidence, PairEvaluation.nothingCited])
        printMatrix(
            "verdicts of claims whose evidence all carries one label:", evaluation.confusionByClaim, rows: labels)
    }

    /// Prints `value` as one line of JSON with sorted, snake-case keys.
    private func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    private func printMatrix(_ title: String, _ matrix: [String: [String: Int]], rows: [String]) {
        let verdicts = Verdict.allCases.map(\.rawValue)
        print("\n\(title)")
        print(
            "  " + "label".padding(toLength: 16, withPad: " ", startingAt: 0)
                + verdicts.map { $0.padding(toLength: 21, withPad: " ", startingAt: 0) }.joined())
        for label in rows where matrix[label] != nil {
            let row = matrix[label] ?? [:]
            print(
                "  " + label.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + verdicts.map { String(row[$0] ?? 0).padding(toLength: 21, withPad: " ", startingAt: 0) }.joined())
        }
    }

    private func writePairs(_ pairs: [ClaimEvidencePair], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var output = Data()
        for pair in pairs {
            let row = [
                "claim_id": pair.claimID, "claim": pair.claim, "evidence": pair.evidence, "label": pair.label.rawValue,
            ]
            output.append(try encoder.encode(row))
            output.append(0x0A)
        }
        do {
            try output.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CommandFailure("cannot write \(path): \(error.localizedDescription)")
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
