import Dispatch
import Foundation

/// A linear layer's weights packed once for one of the low-precision kernels, which compute
/// `output = input · weightᵀ + bias` with cheaper products than fp32:
///
/// - `bfloat16` (AVX-512 BF16, `vdpbf16ps`): inputs and weights rounded to bfloat16, products summed in fp32; a
///   relative error near 2⁻⁸ per product.
/// - `int16` (AVX-512 VNNI, `vpdpwssd`): weights quantized per output and each input row as it comes, to 16-bit
///   integers whose largest code keeps every 32-bit sum from overflowing (2,364 for 384 inputs, 1,182 for 1,536:
///   12–13 bits, against bfloat16's 8), products summed exactly and scaled back once per output.
/// - `int8` (AVX-512 VNNI, `vpdpbusd`): the same with 8-bit codes (largest 127): twice `int16`'s products an
///   instruction, but too coarse for MiniLM's activations (a worst cosine of 0.981 to fp32 on the reference texts).
///
/// A row's result does not depend on the other rows of the call (each row is quantized and summed alone, in the
/// same order), so a text's vector is the same whatever batch it was encoded in.
package final class LowPrecisionWeights: @unchecked Sendable {
    /// The arithmetic of a packed layer.
    package typealias Format = Kernels.PackedKind

    package let format: Format
    package let outputs: Int
    package let inputs: Int
    /// The packed weights: bfloat16 bit patterns or integer codes.
    private let packed: UnsafeMutableRawBufferPointer
    /// For the integer formats, per output: its scale and its zero-point offset (empty for bfloat16).
    private let scales: UnsafeMutableBufferPointer<Float>
    private let offsets: UnsafeMutableBufferPointer<Int32>

    /// Rounds or quantizes the row-major `outputs × inputs` `weight` (PyTorch's layout) and packs it.
    package init(_ weight: UnsafeBufferPointer<Float>, outputs: Int, inputs: Int, format: Format) {
        self.format = format
        self.outputs = outputs
        self.inputs = inputs
        packed = .allocate(
            byteCount: max(1, Kernels.packedBytes(outputs: outputs, inputs: inputs, kind: format)), alignment: 64)
        let perOutput = format == .bfloat16 ? 0 : outputs
        scales = .allocate(capacity: perOutput)
        offsets = .allocate(capacity: perOutput)
        Kernels.pack(
            weight, outputs: outputs, inputs: inputs, kind: format, into: packed, scales: scales, offsets: offsets)
    }

    deinit {
        packed.deallocate()
        scales.deallocate()
        offsets.deallocate()
    }

    /// Rows per thread below which a call stays on one thread.
    private static let rowsPerPart = 32

    /// `output = input · weightᵀ + bias` for `rows` row-major rows; the rows are split between up to two threads
    /// unless `Parallelism.callerThreadOnly`, and each thread then calls `finishing` with the rows it computed (a
    /// layer norm or an activation, done while the rows are in its cache). With `reference`, the portable C
    /// reference does the product (for tests).
    ///
    /// - Precondition: `format.isAvailable` unless `reference`.
    package func apply(
        _ input: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>,
        into output: UnsafeMutableBufferPointer<Float>, rows: Int, reference: Bool = false,
        finishing: (@Sendable (Range<Int>) -> Void)? = nil
    ) {
        precondition(bias.count == outputs, "low-precision linear: bias has \(bias.count), needs \(outputs)")
        precondition(
            input.count >= rows * inputs, "low-precision linear: input has \(input.count), needs \(rows)×\(inputs)")
        precondition(
            output.count >= rows * outputs,
            "low-precision linear: output has \(output.count), needs \(rows)×\(outputs)")
        guard rows > 0 else { return }
        let parts =
            Parallelism.callerThreadOnly || reference
            ? 1 : max(1, min(LinearLayer.smallBatchParts, rows / Self.rowsPerPart))
        // Each part reads its own rows of `input` and writes its own rows of `output`; the buffers outlive the calls.
        nonisolated(unsafe) let (input, bias, output) = (input, bias, output)
        let run: @Sendable (Int) -> Void = { part in
            let first = part * rows / parts
            let end = (part + 1) * rows / parts
            self.applyOnThisThread(
                UnsafeBufferPointer(rebasing: input[(first * self.inputs)..<(end * self.inputs)]), rows: end - first,
                bias: bias,
                into: UnsafeMutableBufferPointer(rebasing: output[(first * self.outputs)..<(end * self.outputs)]),
                reference: reference)
            finishing?(first..<end)
        }
        if parts == 1 {
            run(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: parts, execute: run)
        }
    }

    /// `output = input · weightᵀ + bias` for `rows` rows, on the calling thread, with scratch of its own.
    private func applyOnThisThread(
        _ input: UnsafeBufferPointer<Float>, rows: Int, bias: UnsafeBufferPointer<Float>,
        into output: UnsafeMutableBufferPointer<Float>, reference: Bool
    ) {
        let scratchBytes = reference ? 0 : Kernels.packedScratchBytes(rows: rows, inputs: inputs, kind: format)
        ScratchMemory.withBuffer(byteCount: scratchBytes) { scratch in
            Kernels.linearPacked(
                input, rows: rows, inputs: inputs, kind: format, packed: UnsafeRawBufferPointer(packed),
                scales: UnsafeBufferPointer(scales), offsets: UnsafeBufferPointer(offsets), bias: bias,
                outputs: outputs, into: output, scratch: scratch, reference: reference)
        }
    }
}
