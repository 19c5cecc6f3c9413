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

/// `weights.apply` on the kernel and on the portable reference.
private func kernelAndReference(
    _ weights: LowPrecisionWeights, input: [Float], bias: [Float], rows: Int
) -> (fast: [Float], reference: [Float]) {
    var fast = [Float](repeating: .nan, count: rows * weights.outputs)
    var reference = [Float](repeating: .nan, count: rows * weights.outputs)
    input.withUnsafeBufferPointer { input in
        bias.withUnsafeBufferPointer { bias in
            fast.withUnsafeMutableBufferPointer { weights.apply(input, bias: bias, into: $0, rows: rows) }
            reference.withUnsafeMutableBufferPointer {
                weights.apply(input, bias: bias, into: $0, rows: rows, reference: true)
            }
        }
    }
    return (fast, reference)
}

@Suite(.offThePool) struct LowPrecisionLinearTests {
    /// Shapes with every remainder: rows not a multiple of 8, outputs not of 48 or 16, inputs not of 4 or 2.
    static let shapes: [(rows: Int, outputs: Int, inputs: Int)] = [
        (1, 16, 2), (7, 50, 33), (8, 48, 384), (37, 384, 383), (70, 1536, 384), (45, 384, 1536), (129, 100, 64),
        (9, 20, 3), (17, 64, 1535),
    ]

    /// The formats this processor runs, each with the largest error against the exact product that its rounding
    /// allows (relative to the size of a sum's terms): bfloat16's 8 bits, 12–13 bits of 16-bit codes, 8-bit codes.
    static let formats: [(format: LowPrecisionWeights.Format, tolerance: Double)] = [
        (.bfloat16, 1e-2), (.int16, 2e-3), (.int8, 3e-2),
    ].filter { $0.format.isAvailable }

    static let cases = formats.indices.flatMap { format in shapes.indices.map { (format, $0) } }

    @Test(
        .enabled(if: !formats.isEmpty, "the processor has neither AVX-512 BF16 nor VNNI"), arguments: Self.cases)
    func theKernelComputesWhatTheReferenceComputes(_ formatIndex: Int, _ shape: Int) {
        let (format, tolerance) = Self.formats[formatIndex]
        let (rows, outputs, inputs) = Self.shapes[shape]
        let input = randomFloats(rows * inputs, seed: UInt64(shape))
        let weight = randomFloats(outputs * inputs, seed: UInt64(100 + shape))
        let bias = randomFloats(outputs, seed: UInt64(200 + shape))
        let weights = weight.withUnsafeBufferPointer {
            LowPrecisionWeights($0, outputs: outputs, inputs: inputs, format: format)
        }
        let (fast, reference) = kernelAndReference(weights, input: input, bias: bias, rows: rows)
        let exact = exactProduct(input, weight, bias, rows: rows, outputs: outputs, inputs: inputs)
        var worstAgainstReference: Double = 0
        var worstAgainstExact: Double = 0
        for index in exact.indices {
            // Errors relative to the size of the sum's terms (about √inputs / 3 for these numbers).
            let scale = Double(inputs).squareRoot()
            worstAgainstReference = max(worstAgainstReference, abs(Double(fast[index] - reference[index])) / scale)
            worstAgainstExact = max(worstAgainstExact, abs(Double(fast[index]) - exact[index]) / scale)
        }
        if format == .bfloat16 {
            // Summed in fp32 rather than double: rounding of the sums only.
            #expect(worstAgainstReference < 1e-5, "\(format) kernel against reference: \(worstAgainstReference)")
        } else {
            // The same codes, the same exact integer sums, the same scaling: the same bits.
            #expect(fast == reference, "\(format) kernel against reference: \(worstAgainstReference)")
        }
        #expect(worstAgainstExact < tolerance, "\(format) kernel against the exact product: \(worstAgainstExact)")
        #expect(worstAgainstExact > 1e-6, "\(format) rounded nothing: was it fp32?")
    }

    @Test(
        .enabled(if: LowPrecisionWeights.Format.int16.isAvailable, "the processor has no AVX-512 VNNI"),
        arguments: [384, 1536, 3000])
    func sixteenBitSumsCannotOverflow(_ inputs: Int) {
        // Every input and weight at the largest code, all of one sign: the largest sum a row can have.
        let limit = Kernels.packedLimit(inputs: inputs, kind: .int16)
        #expect(inputs * limit * limit <= Int(Int32.max))
        let outputs = 16
        let weights = [Float](repeating: 0.5, count: outputs * inputs).withUnsafeBufferPointer {
            LowPrecisionWeights($0, outputs: outputs, inputs: inputs, format: .int16)
        }
        let input = [Float](repeating: -3, count: 2 * inputs)
        let (fast, reference) = kernelAndReference(
            weights, input: input, bias: [Float](repeating: 1, count: outputs), rows: 2)
        for value in fast + reference {
            #expect(abs(value - Float(1 - 1.5 * Double(inputs))) <= 1e-3 * Float(inputs), "\(value)")
        }
    }

    @Test(.enabled(if: !formats.isEmpty, "the processor has neither AVX-512 BF16 nor VNNI"), arguments: formats.indices)
    func aRowsResultDoesNotDependOnItsBatch(_ formatIndex: Int) {
        let format = Self.formats[formatIndex].format
        let (rows, outputs, inputs) = (37, 384, 384)
        let input = randomFloats(rows * inputs, seed: 7)
        let weight = randomFloats(outputs * inputs, seed: 8)
        let bias = [Float](repeating: 0.25, count: outputs)
        let weights = weight.withUnsafeBufferPointer {
            LowPrecisionWeights($0, outputs: outputs, inputs: inputs, format: format)
        }
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
            #expect(alone == Array(batch[(row * outputs)..<((row + 1) * outputs)]), "\(format) row \(row)")
        }
    }
}
