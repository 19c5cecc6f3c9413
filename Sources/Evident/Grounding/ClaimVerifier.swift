public import Foundation

/// What a piece of evidence says of a claim.
public enum PairLabel: String, Sendable, Hashable, Codable, CaseIterable {
    /// The evidence supports (entails) the claim.
    case supports = "Supports"
    /// The evidence refutes (contradicts) the claim.
    case refutes = "Refutes"
    /// The evidence neither supports nor refutes the claim.
    case neutral = "Neutral"

    /// The label a data set's own word stands for: "Supports", "SUPPORT", "entailment", "true" …, "Refutes",
    /// "CONTRADICT", "contradiction", "false" …, "Neutral", "NOT ENOUGH INFO", "NEI", "mixed" …; case and the
    /// separators `_`, `-` and space do not matter. `nil` for any other word.
    public init?(word: String) {
        let folded = word.lowercased().filter { $0.isLetter }
        switch folded {
        case "supports", "support", "supported", "entails", "entailment", "entailed", "true", "yes":
            self = .supports
        case "refutes", "refute", "refuted", "contradicts", "contradict", "contradiction", "contradicted", "false",
            "no":
            self = .refutes
        case "neutral", "notenoughinfo", "notenoughinformation", "nei", "noevidence", "unverified", "mixed",
            "unproven":
            self = .neutral
        default:
            return nil
        }
    }
}

/// How likely it is that a piece of evidence supports, refutes or says nothing about a claim: the verifier's
/// probabilities, summing to 1.
public struct Entailment: Sendable, Hashable, Codable {
    /// The probability that the evidence supports (entails) the claim.
    public var supports: Double
    /// The probability that the evidence refutes (contradicts) the claim.
    public var refutes: Double
    /// The probability that the evidence neither supports nor refutes the claim.
    public var neutral: Double

    /// Creates probabilities.
    public init(supports: Double, refutes: Double, neutral: Double) {
        self.supports = supports
        self.refutes = refutes
        self.neutral = neutral
    }

    /// The most probable label.
    public var label: PairLabel {
        supports >= refutes && supports >= neutral ? .supports : refutes >= neutral ? .refutes : .neutral
    }
}

/// A cross-encoder that reads a claim and a piece of evidence together ("[CLS] claim [SEP] evidence [SEP]") and
/// says whether the evidence supports it, refutes it or neither: a BERT encoder with a linear classifier on the
/// `[CLS]` token's last hidden state, trained by `Scripts/train-verifier.sh`.
///
/// A verifier folder holds `config.json` (the BERT shape, and `"evident_verifier": {"labels", "maximum_length"}`),
/// `vocab.txt` and `model.safetensors` (the encoder's weights, `classifier.weight` [labels, hidden] and
/// `classifier.bias` [labels]). Immutable and `Sendable`.
public struct ClaimVerifier: Sendable {
    /// The tokenizer.
    public let tokenizer: WordPieceTokenizer
    /// The encoder.
    public let encoder: BertEncoder
    /// The folder's name (`evident-verifier`).
    public let modelID: String
    /// The most tokens of a pair; longer pairs are cut, the longer text first.
    public let maximumLength: Int
    /// The label of each output of the classifier, in order.
    public let labels: [PairLabel]
    private let weight: [Float]
    private let bias: [Float]

    /// The folder name `make verifier` trains the verifier into, under `Models/`.
    public static let defaultModelID = "evident-verifier"

    /// Loads the verifier in `directory`.
    ///
    /// - Throws: `EmbeddingError` naming the file when one is missing or malformed, or when the classifier does not
    ///   match the labels or the encoder.
    public init(directory: URL) throws {
        let configurationURL = directory.appendingPathComponent("config.json")
        let settings: Settings
        do {
            settings = try JSONDecoder().decode(Wrapper.self, from: Data(contentsOf: configurationURL)).settings
        } catch let error as DecodingError {
            throw EmbeddingError(
                .damagedFile, path: configurationURL.path,
                reason: "no valid \"evident_verifier\" entry (\(error.localizedDescription))",
                fix: "is this a verifier folder? Scripts/train-verifier.sh writes one")
        } catch {
            throw EmbeddingError(.missingFile, path: configurationURL.path, reason: "cannot read the file")
        }
        var labels: [PairLabel] = []
        for word in settings.labels {
            guard let label = PairLabel(word: word), !labels.contains(label) else {
                throw EmbeddingError(
                    .damagedFile, path: configurationURL.path, reason: "unknown or repeated label \"\(word)\"",
                    fix: "labels are Supports, Refutes and Neutral, each once")
            }
            labels.append(label)
        }
        guard labels.count == PairLabel.allCases.count else {
            throw EmbeddingError(
                .damagedFile, path: configurationURL.path, reason: "the verifier has \(labels.count) labels, not 3")
        }
        tokenizer = try WordPieceTokenizer(directory: directory)
        encoder = try BertEncoder(directory: directory)
        modelID = directory.standardizedFileURL.lastPathComponent
        maximumLength = max(3, min(settings.maximumLength, encoder.maximumSequenceLength))
        self.labels = labels
        let tensors = try SafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors"))
        let hidden = encoder.dimension
        weight = try tensors.floats(named: "classifier.weight", shape: [labels.count, hidden])
        bias = try tensors.floats(named: "classifier.bias", shape: [labels.count])
    }

    /// The verifier's probabilities for each (claim, evidence) pair.
    ///
    /// - Parameters:
    ///   - pairs: Claims with a piece of evidence each: a sentence, or a few sentences of one passage.
    ///   - batchSize: Pairs encoded together.
    /// - Returns: One `Entailment` per pair, in order.
    /// - Complexity: One encoder pass per pair, of at most `maximumLength` tokens.
    public func verify(_ pairs: [(claim: String, evidence: String)], batchSize: Int = 32) -> [Entailment] {
        guard !pairs.isEmpty else { return [] }
        let encoded = pairs.map { tokenizer.pairTokenIDs($0.claim, $0.evidence, limit: maximumLength) }
        let states = encoder.firstTokenStates(
            tokenIDs: encoded.map(\.ids), segments: encoded.map(\.segments), batchSize: batchSize)
        let hidden = encoder.dimension
        return states.map { state in
            let logits = weight.withUnsafeBufferPointer { weight in
                state.withUnsafeBufferPointer { state in
                    bias.indices.map { row in
                        Double(bias[row])
                            + Double(
                                Kernels.dotProduct(
                                    UnsafeBufferPointer(rebasing: weight[(row * hidden)..<((row + 1) * hidden)]), state)
                            )
                    }
                }
            }
            let top = logits.max() ?? 0
            let exponentials = logits.map { exp($0 - top) }
            let total = exponentials.reduce(0, +)
            var probability: [PairLabel: Double] = [:]
            for (label, value) in zip(labels, exponentials) { probability[label] = value / total }
            return Entailment(
                supports: probability[.supports] ?? 0, refutes: probability[.refutes] ?? 0,
                neutral: probability[.neutral] ?? 0)
        }
    }

    private struct Settings: Decodable {
        var labels: [String]
        var maximumLength: Int

        enum CodingKeys: String, CodingKey {
            case labels
            case maximumLength = "maximum_length"
        }
    }

    private struct Wrapper: Decodable {
        var settings: Settings

        enum CodingKeys: String, CodingKey { case settings = "evident_verifier" }
    }
}
