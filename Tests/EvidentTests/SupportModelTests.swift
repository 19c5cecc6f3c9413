import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct SupportModelTests {
    private func features(_ similarity: Double, coverage: Double = 0.5) -> SupportFeatures {
        SupportFeatures(similarity: similarity, coverage: coverage, precision: 0.3, quote: 0, missingKeyTerms: 0)
    }

    @Test func fittingRecoversALogisticRelationBetweenSimilarityAndEvidence() {
        // Evidence with probability σ(10·(similarity − 0.5)), drawn deterministically: the share of positives at
        // each similarity level equals that probability (to 1 %).
        var examples: [(features: SupportFeatures, isEvidence: Bool)] = []
        for step in 0...20 {
            let similarity = Double(step) / 20
            let probability = 1 / (1 + exp(-10 * (similarity - 0.5)))
            let positives = Int((probability * 100).rounded())
            for index in 0..<100 { examples.append((features(similarity), index < positives)) }
        }
        let model = SupportModel.fit(examples, regularisation: 0)
        #expect(abs(model.weights[0] - 10) < 0.3)
        #expect(abs(model.support(features(0.5)) - 0.5) < 0.02)
        #expect(model.support(features(0.9)) > 0.97)
        #expect(model.support(features(0.1)) < 0.03)
    }

    @Test func supportIsAProbability() {
        let model = SupportModel(bias: -3, weights: [6, 2, 1, 4, -1, 1])
        for similarity in stride(from: -1.0, through: 1.0, by: 0.25) {
            let support = model.support(features(similarity))
            #expect(support >= 0 && support <= 1)
        }
        #expect(model.support(features(0.9)) > model.support(features(0.2)))
    }

    @Test func gaussianEliminationSolvesASmallSystem() {
        // 2x + y = 5, x + 3y = 10 → x = 1, y = 3.
        let solution = SupportModel.solve([2, 1, 1, 3], [5, 10], size: 2)
        #expect(solution.map { $0.map { ($0 * 1e9).rounded() / 1e9 } } == [1, 3])
        #expect(SupportModel.solve([1, 2, 2, 4], [1, 2], size: 2) == nil)
    }
}
