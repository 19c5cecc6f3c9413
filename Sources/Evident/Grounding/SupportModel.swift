import Foundation

/// What the support score of a source sentence for a claim is computed from.
public struct SupportFeatures: Sendable, Hashable, Codable {
    /// Cosine similarity of the claim's and the sentence's embeddings (0 when the index has no model).
    public var similarity: Double
    /// IDF-weighted share of the claim's content terms the sentence or its context holds.
    public var coverage: Double
    /// IDF-weighted share of the sentence's content terms the claim holds.
    public var precision: Double
    /// 1 when one of the two contains the other whole, else 0.
    public var quote: Double
    /// The number of the claim's key terms (diseases, cells, drugs, genes) missing from the sentence and its context.
    public var missingKeyTerms: Double
    /// How high retrieval ranked the sentence's passage for the claim: 1 / (1 + rank), rank from 0.
    public var passagePrior: Double

    /// Creates features.
    ///
    /// - Parameters:
    ///   - similarity: Embedding cosine.
    ///   - coverage: Claim-term coverage.
    ///   - precision: Sentence-term precision.
    ///   - quote: 1 for a quote, else 0.
    ///   - missingKeyTerms: Key terms of the claim the sentence lacks.
    ///   - passagePrior: 1 / (1 + the rank of the sentence's passage).
    public init(
        similarity: Double, coverage: Double, precision: Double, quote: Double, missingKeyTerms: Double,
        passagePrior: Double = 0
    ) {
        self.passagePrior = passagePrior
        self.similarity = similarity
        self.coverage = coverage
        self.precision = precision
        self.quote = quote
        self.missingKeyTerms = missingKeyTerms
    }

    /// The features as the model's inputs, in the order of its weights.
    var vector: [Double] { [similarity, coverage, precision, quote, min(missingKeyTerms, 3), passagePrior] }
}

/// The support score: a logistic model of the probability that a sentence is evidence for a claim, in [0, 1].
///
/// Fitted by `fit(_:)` on SciFact's training claims — each claim's gold evidence sentences against sentences
/// of abstracts retrieved for it that hold no evidence (see `evident eval-grounding --calibrate`) — with as many
/// of one as of the other, so 0.5 means "as likely evidence as a sentence on the same topic that is not".
public struct SupportModel: Sendable, Hashable, Codable {
    /// The intercept.
    public var bias: Double
    /// One weight per feature, in the order of `SupportFeatures.vector`.
    public var weights: [Double]

    /// Creates a model.
    ///
    /// - Parameters:
    ///   - bias: The intercept.
    ///   - weights: Six weights: similarity, coverage, precision, quote, missing key terms, passage prior.
    public init(bias: Double, weights: [Double]) {
        precondition(weights.count == 6, "a support model has six weights, not \(weights.count)")
        self.bias = bias
        self.weights = weights
    }

    /// The model `evident ground` uses: fitted by `evident eval-grounding INDEX --queries
    /// scifact/queries.jsonl --calibrate` on SciFact's 809 training claims (1,020 gold evidence sentences against
    /// 4,013 candidate sentences of abstracts without evidence for the claim), index built with MiniLM.
    public static let calibrated = SupportModel(
        bias: -3.468, weights: [2.636, 2.392, -1.237, 0.086, -0.429, 2.129])

    /// The support score of `features`, in [0, 1].
    public func support(_ features: SupportFeatures) -> Double {
        let z = zip(weights, features.vector).reduce(bias) { $0 + $1.0 * $1.1 }
        return 1 / (1 + exp(-z))
    }

    /// Fits a model to labelled examples by Newton's method on the L2-regularised log-likelihood.
    ///
    /// - Parameters:
    ///   - examples: Features and whether the sentence is evidence.
    ///   - regularisation: The weight of the L2 penalty on the weights (not the bias).
    ///   - iterations: At most this many Newton steps; it stops earlier once the steps become negligible.
    /// - Returns: The fitted model; a model of zero weights when there are no examples.
    public static func fit(
        _ examples: [(features: SupportFeatures, isEvidence: Bool)], regularisation: Double = 1e-3,
        iterations: Int = 50
    ) -> SupportModel {
        let size = 7
        var theta = [Double](repeating: 0, count: size)
        guard !examples.isEmpty else { return SupportModel(bias: 0, weights: [0, 0, 0, 0, 0, 0]) }
        let inputs = examples.map { [1] + $0.features.vector }
        for _ in 0..<iterations {
            var gradient = [Double](repeating: 0, count: size)
            var hessian = [Double](repeating: 0, count: size * size)
            for (input, example) in zip(inputs, examples) {
                let z = zip(theta, input).reduce(0) { $0 + $1.0 * $1.1 }
                let p = 1 / (1 + exp(-z))
                let error = p - (example.isEvidence ? 1 : 0)
                let curvature = max(p * (1 - p), 1e-12)
                for row in 0..<size {
                    gradient[row] += error * input[row]
                    for column in 0..<size { hessian[row * size + column] += curvature * input[row] * input[column] }
                }
            }
            for index in 1..<size {
                gradient[index] += regularisation * theta[index] * Double(examples.count)
                hessian[index * size + index] += regularisation * Double(examples.count)
            }
            // A small ridge on every direction keeps the system solvable when a feature never varies.
            for index in 0..<size { hessian[index * size + index] += 1e-6 * Double(examples.count) }
            guard let step = solve(hessian, gradient, size: size) else { break }
            for index in 0..<size { theta[index] -= step[index] }
            if step.map(abs).max() ?? 0 < 1e-9 { break }
        }
        return SupportModel(bias: theta[0], weights: Array(theta[1...]))
    }

    /// Solves `matrix · x = vector` by Gaussian elimination with partial pivoting; nil when singular.
    static func solve(_ matrix: [Double], _ vector: [Double], size: Int) -> [Double]? {
        var a = matrix
        var b = vector
        for column in 0..<size {
            guard
                let pivot = (column..<size).max(by: { abs(a[$0 * size + column]) < abs(a[$1 * size + column]) }),
                abs(a[pivot * size + column]) > 1e-15
            else { return nil }
            if pivot != column {
                for index in 0..<size { a.swapAt(pivot * size + index, column * size + index) }
                b.swapAt(pivot, column)
            }
            for row in (column + 1)..<size {
                let factor = a[row * size + column] / a[column * size + column]
                guard factor != 0 else { continue }
                for index in column..<size { a[row * size + index] -= factor * a[column * size + index] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: size)
        for row in stride(from: size - 1, through: 0, by: -1) {
            let sum = ((row + 1)..<size).reduce(b[row]) { $0 - a[row * size + $1] * x[$1] }
            x[row] = sum / a[row * size + row]
        }
        return x
    }
}
