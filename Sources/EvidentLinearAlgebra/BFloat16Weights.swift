import Dispatch
import Foundation

/// A linear layer's weights rounded to bfloat16 and packed once for the AVX-512 BF16 kernel, which computes
/// `output = input · weightᵀ + bias` with bfloat16 products summed in fp32: about twice the arithmetic rate of
/// fp32 on the same core, for a relative error near 2⁻⁸ per product.
///
/// A row's result does not depend on the other rows of the call (each row is summed alone, in the same order), so
/// a text's vector is the same whatever batch it was encoded in.
package final class BFloat16Weights: @unchecked Sendable {
    /// Whether the kernel runs on this machine.
    package static var isAvailable: Bool { Kernels.linearBFloat16IsAvailable }

    package let outputs: Int
    package let inputs: Int
    private let packed: UnsafeMutableBufferPointer<UInt16>

    /// Rounds and packs the row-major `outputs × inputs` `weight` (PyTorch's layout).
    package init(_ weight: UnsafeBufferPointer<Float>, outputs: Int, inputs: Int) {
        precondition(outputs > 0 && inputs > 0, "bfloat16 weights of shape \(outputs)×\(inputs)")
        self.outputs = outputs
        self.inputs = inputs
        packed = .allocate(capacity: Kernels.bfloat16PackedCount(outputs: outputs, inputs: inputs))
        Kernels.packBFloat16(weight, outputs: outputs, inputs: inputs, into: packed)
    }

    deinit { packed.deallocate() }

    /// Rows per thread below which a call stays on one thread.
    private static let rowsPerPart = 32

    /// `output = input · weightᵀ + bias` for `rows` row-major rows; the rows are split between up to two threads
    /// unless `Parallelism.callerThreadOnly`. With `reference`, the portable C reference does it (for tests).
    ///
    /// - Precondition: `isAvailable` unless `reference`.
    package func apply(
        _ input: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>,
        into output: UnsafeMutableBufferPointer<Float>, rows: Int, reference: Bool = false
    ) {
        precondition(bias.count == outputs, "bfloat16 linear: bias has \(bias.count), needs \(outputs)")
        precondition(input.count >= rows * inputs, "bfloat16 linear: input has \(input.count), needs \(rows)×\(inputs)")
        precondition(
            output.count >= rows * outputs, "bfloat16 linear: output has \(output.count), needs \(rows)×\(outputs)")
        guard rows > 0 else { return }
        if let target = output.baseAddress, let source = bias.baseAddress {
            for row in 0..<rows { (target + row * outputs).update(from: source, count: outputs) }
        }
        let parts =
            Parallelism.callerThreadOnly || reference
            ? 1 : max(1, min(LinearLayer.smallBatchParts, rows / Self.rowsPerPart))
        let (inputs, outputs) = (inputs, outputs)
        // Each part reads its own rows of `input` and writes its own rows of `output`; the buffers outlive the calls.
        nonisolated(unsafe) let (input, output, packed) = (input, output, UnsafeBufferPointer(packed))
        let run: @Sendable (Int) -> Void = { part in
            let first = part * rows / parts
            let end = (part + 1) * rows / parts
            let scratch = UnsafeMutableBufferPointer<UInt16>.allocate(
                capacity: max(1, Kernels.bfloat16ScratchCount(rows: end - first, inputs: inputs)))
            defer { scratch.deallocate() }
            Kernels.linearBFloat16(
                UnsafeBufferPointer(rebasing: input[(first * inputs)..<(end * inputs)]), rows: end - first,
                inputs: inputs, packed: packed, outputs: outputs,
                into: UnsafeMutableBufferPointer(rebasing: output[(first * outputs)..<(end * outputs)]),
                scratch: scratch, reference: reference)
        }
        if parts == 1 {
            run(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: parts, execute: run)
        }
    }
}
