/// The arithmetic an encoder's linear layers run at.
public enum EncoderPrecision: String, Sendable, Hashable, Codable, CaseIterable {
    /// Single precision throughout: the reference.
    case fp32
    /// Inputs and weights rounded to bfloat16, products summed in fp32 (AVX-512 BF16); attention, softmax, GELU
    /// and layer norms in fp32.
    case bf16
}
