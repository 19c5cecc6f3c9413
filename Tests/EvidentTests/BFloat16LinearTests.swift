import EvidentBenchmarking
import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

private func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
}

/// `input · weightᵀ + bias` in double precision from the fp32 values: the exact product.
private func exactProduct(_ input: [Float], _ weight: [Float], _ bias: [Float], rows: Int, outputs: Int, inputs: Int)
    -> [Double]
{
    var result = [Double](repeating: 0, count: rows * outputs)
    for row in 0..<rows {
        for output in 0..<outputs {
            var sum = Double(bias[output])
            for index in 0..<inputs {
                sum += Double(input[row * inputs + index]) * Double(weight[output * inputs + index])
            }
            result[row * outputs + output] = sum
        }
    }
    return result
}

@Suite(.offThePool) struct BFloat16LinearTests {
    /// Shapes with every remainder: rows not a multiple of 8, outputs not of 48 or 16, an odd number of inputs.
    static let shapes: [(rows: Int, outputs: Int, inputs: Int)] = [
        (1, 16, 2), (7, 50, 33), (8, 48, 384), (37, 384, 383), (70, 1536, 384), (45, 384, 1536), (129, 100, 64),
    ]

    @Test(
        .enabled(if: BFloat16Weights.isAvailable, "the processor has no AVX-512 BF16"),
        arguments: Self.shapes.indices)
    func theKernelSumsTheRoundedProductsAsTheReferenceDoes(_ shape: Int) {
        let (rows, outputs, inputs) = Self.shapes[shape]
        let input = randomFloats(rows * inputs, seed: UInt64(shape))
        let weight = randomFloats(outputs * inputs, seed: UInt64(100 + shape))
        let bias = randomFloats(outputs, seed: UInt64(200 + shape))
        let weights = weight.withUnsafeBufferPointer { BFloat16Weights($0, outputs: outputs, inputs: inputs) }
        var fast = [Float](repeating: .nan, count: rows * outputs)
        var reference = [Float](repeating: .nan, count: rows * outputs)
        input.withUnsafeBufferPointer { input in
            bias.withUnsafeBufferPointer { bias in
                fast.withUnsafeMutableBufferPointer { weights.apply(input, bias: bias, into: $0, rows: rows) }
                reference.withUnsafeMutableBufferPointer {
                    weights.apply(input, bias: bias, into: $0, rows: rows, reference: true)
                }
            }
        }
        let exact = exactProduct(input, weight, bias, rows: rows, outputs: outputs, inputs: inputs)
        var worstAgainstReference: Double = 0
        var worstAgainstExact: Double = 0
        for index in exact.indices {
            // Errors relative to the size of the sum's terms (about √inputs / 3 for these numbers).
            let scale = Double(inputs).squareRoot()
            worstAgainstReference = max(worstAgainstReference, abs(Double(fast[index] - reference[index])) / scale)
            worstAgainstExact = max(worstAgainstExact, abs(Double(fast[index]) - exact[index]) / scale)
        }
        // Summed in fp32 rather than double: rounding of the sums only.
        #expect(worstAgainstReference < 1e-5, "kernel against reference: \(worstAgainstReference)")
        // Rounding the inputs and weights to 8 bits of mantissa: about 2⁻⁸ per product, averaging out.
        #expect(worstAgainstExact < 1e-2, "kernel against the exact product: \(worstAgainstExact)")
        #expect(worstAgainstExact > 1e-6, "the kernel rounded nothing: was it fp32?")
    }

    @Test(.enabled(if: BFloat16Weights.isAvailable, "the processor has no AVX-512 BF16"))
    func aRowsResultDoesNotDependOnItsBatch() {
        let (rows, outputs, inputs) = (37, 384, 384)
        let input = randomFloats(rows * inputs, seed: 7)
        let weight = randomFloats(outputs * inputs, seed: 8)
        let bias = [Float](repeating: 0.25, count: outputs)
        let weights = weight.withUnsafeBufferPointer { BFloat16Weights($0, outputs: outputs, inputs: inputs) }
        var batch = [Float](repeating: 0, count: rows * outputs)
        input.withUnsafeBufferPointer { input in
            bias.withUnsafeBufferPointer { bias in
                batch.withUnsafeMutableBufferPointer { weights.apply(input, bias: bias, into: $0, rows: rows) }
            }
        }
        for row in [0, 8, 17, 36] {
            var alone = [Float](repeating: 0, count: outputs)
            let slice = Array(input[(row * inputs)..<((row + 1) * inputs)])
            slice.withUnsafeBufferPointer { input in
                bias.withUnsafeBufferPointer { bias in
                    alone.withUnsafeMutableBufferPointer { weights.apply(input, bias: bias, into: $0, rows: 1) }
                }
            }
            #expect(alone == Array(batch[(row * outputs)..<((row + 1) * outputs)]), "row \(row)")
        }
    }
}
