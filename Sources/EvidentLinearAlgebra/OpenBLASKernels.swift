/// Which compute kernels OpenBLAS runs on this machine, and a better choice where its own detection falls short.
///
/// OpenBLAS picks its kernels once, when the library loads, from the processor it recognises. A release that
/// predates the processor falls back to generic SSE3 kernels ("Prescott"): Debian 12's OpenBLAS 0.3.21 does so
/// on 4th and 5th generation Xeons, where its `sgemm` then runs 3–8 times slower than with its own AVX-512
/// ("SkylakeX") kernels. The environment variable `OPENBLAS_CORETYPE` overrides the choice, but only before the
/// library loads, so a program that wants the faster kernels sets it and starts itself again (the `evident`
/// command does, once, unless the variable is already set).
public enum OpenBLASKernels {
    /// The environment variable OpenBLAS reads its kernel choice from at load time.
    public static let environmentVariable = "OPENBLAS_CORETYPE"

    /// The kernel family OpenBLAS chose (or was told to use), such as "Prescott", "Haswell" or "SkylakeX".
    public static var coreName: String { BLAS.coreName ?? "unknown" }

    /// The value for `OPENBLAS_CORETYPE` that selects faster kernels than the ones running, or `nil` when OpenBLAS
    /// already runs the best family this processor and OpenBLAS both support.
    public static var recommendedCoreType: String? {
        recommendedCoreType(running: coreName, features: Kernels.ProcessorFeatures.current)
    }

    /// Kernel families that use AVX-512 (names as `openblas_get_corename` spells them, compared case-insensitively).
    package static let avx512Families: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
    /// Kernel families that use AVX2 and FMA but not AVX-512.
    package static let avx2Families: Set<String> = ["haswell", "zen", "excavator", "steamroller", "piledriver"]

    /// The better family for a processor with `features` (`EVIDENT_CPU_*` bits) whose OpenBLAS runs `running`.
    package static func recommendedCoreType(running: String, features: Kernels.ProcessorFeatures) -> String? {
        let running = running.lowercased()
        if avx512Families.contains(running) { return nil }
        if features.contains(.avx512Skylake) { return "SkylakeX" }
        if avx2Families.contains(running) { return nil }
        if features.contains(.avx2FMA) { return "Haswell" }
        return nil
    }
}
