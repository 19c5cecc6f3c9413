import Dispatch
import Foundation

/// A dense layer's product, `output = input · weightᵀ + bias`, computed the fastest way for its shape: OpenBLAS
/// `sgemm` for many rows, the inner-product kernel for few.
///
/// With few rows (a query, a claim) the product is bound by reading the weights, and `sgemm` first copies every
/// weight into its packed layout; the batch inner-product kernel reads each weight row once, from where it lies,
/// for four token rows at a time, and the weights' rows can be split between two threads. Measured on MiniLM: a
/// 15-token query encodes in about a third of the time.
package enum LinearLayer {
    /// Rows up to which the product runs on the inner-product kernel instead of `sgemm` (where that kernel runs at
    /// AVX-512; elsewhere `sgemm` does every product).
    package static let smallBatchRows = 48

    /// Whether the AVX-512 inner-product kernel is there.
    package static let usesSmallBatchKernel = Kernels.Level.float == .avx512

    /// Threads that share a small batch's product: up to two, where the machine has them. One query's encoding is
    /// bound by reading the weights, which two cores do faster than one.
    package static let smallBatchParts = min(2, ProcessInfo.processInfo.activeProcessorCount)

    /// `output = input · weightᵀ + bias` for `rows` rows of `inputs` features into `outputs` features, all
    /// row-major: `weight` is `outputs × inputs`, `bias` has `outputs` elements.
    ///
    /// A small batch splits the weights' rows between `smallBatchParts` threads, unless
    /// `Parallelism.callerThreadOnly` keeps the work on the calling thread.
    package static func apply(
        _ input: UnsafeBufferPointer<Float>, weight: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>,
        into output: UnsafeMutableBufferPointer<Float>, rows: Int, outputs: Int, inputs: Int
    ) {
        precondition(rows >= 0 && outputs > 0 && inputs > 0, "linear layer: shape \(rows)×\(inputs)→\(outputs)")
        precondition(input.count >= rows * inputs, "linear layer: input has \(input.count), needs \(rows)×\(inputs)")
        precondition(
            weight.count == outputs * inputs, "linear layer: weight has \(weight.count), needs \(outputs)×\(inputs)")
        precondition(bias.count == outputs, "linear layer: bias has \(bias.count), needs \(outputs)")
        precondition(
            output.count >= rows * outputs, "linear layer: output has \(output.count), needs \(rows)×\(outputs)")
        guard rows > 0 else { return }
        if rows <= smallBatchRows && usesSmallBatchKernel {
            // The kernel writes row-major scores[token][output] = token · weight[output], then the bias is added.
            // The weights' rows are split among the cores: each part reads its own rows and fills its own columns.
            let parts = Parallelism.callerThreadOnly ? 1 : smallBatchParts
            if parts > 1 {
                // Each part writes only its own columns of `output`; the buffers outlive the concurrent calls.
                nonisolated(unsafe) let (input, weight, output) = (input, weight, output)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let first = part * outputs / parts
                    let end = (part + 1) * outputs / parts
                    Kernels.innerProducts(
                        UnsafeBufferPointer(rebasing: weight[(first * inputs)..<(end * inputs)]), rows: end - first,
                        dimension: inputs, queries: input, queryCount: rows,
                        into: UnsafeMutableBufferPointer(rebasing: output[first...]), stride: outputs)
                }
            } else {
                Kernels.innerProducts(
                    weight, rows: outputs, dimension: inputs, queries: input, queryCount: rows, into: output)
            }
            for row in 0..<rows {
                for column in 0..<outputs { output[row * outputs + column] += bias[column] }
            }
        } else {
            if let target = output.baseAddress, let source = bias.baseAddress {
                for row in 0..<rows { (target + row * outputs).update(from: source, count: outputs) }
            }
            BLAS.gemm(input, weight, transposeB: true, into: output, m: rows, n: outputs, k: inputs, beta: 1)
        }
    }
}
