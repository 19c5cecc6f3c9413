/// The arithmetic an encoder's linear layers run at.
public enum EncoderPrecision: String, Sendable, Hashable, Codable, CaseIterable {
    /// Single precision throughout: the reference.
    case fp32
    /// Inputs and weights rounded to bfloat16, products summed in fp32 (AVX-512 BF16); attention, softmax, GELU
    /// and layer norms in fp32.
    case bf16
    /// Weights quantized per output and each input row as it comes to 16-bit integers (12–13 bits used, so that no
    /// 32-bit sum can overflow), products summed exactly (AVX-512 VNNI `vpdpwssd`); attention, softmax, GELU and
    /// layer norms in fp32.
    case int16
    /// As int16 with 8-bit codes (`vpdpbusd`): twice the products an instruction, but coarse for MiniLM (a worst
    /// cosine of about 0.981 to fp32 on the reference texts, where int16 and bf16 keep above 0.9999).
    case int8

    /// The packed format of the linear layers' weights; `nil` for fp32.
    var packedFormat: LowPrecisionWeights.Format? {
        switch self {
        case .fp32: nil
        case .bf16: .bfloat16
        case .int16: .int16
        case .int8: .int8
        }
    }

    /// Whether this precision's kernel runs on this machine (fp32 runs everywhere).
    public var isAvailable: Bool { packedFormat?.isAvailable ?? true }
}

extension EncoderPrecision {
    /// The fastest precision this processor runs that keeps the vectors within a cosine of 0.999 of fp32's: int16
    /// where it has AVX-512 VNNI, else fp32.
    ///
    /// int8 is faster still but does not keep that bound. bf16 is never chosen: every processor with AVX-512 BF16
    /// has VNNI too, `vpdpwssd` does as many products an instruction as `vdpbf16ps` with 12–13 bits instead of 8, and
    /// on Intel processors without AMX `vdpbf16ps` runs at a quarter of the rate of fp32 FMAs (half their
    /// products), which makes bf16 slower than fp32 there.
    public static var fastestAvailable: EncoderPrecision { EncoderPrecision.int16.isAvailable ? .int16 : .fp32 }
}
