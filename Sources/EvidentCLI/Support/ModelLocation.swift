import Evident
import Foundation

/// Finds and loads models for the commands: `--model DIR` when given, else the model's name on the standard
/// search path (`ModelSearchPath.standard()`: `$EVIDENT_MODELS`, `./Models`, `Models/` beside the executable or
/// above it, `~/.local/share/evident/models`).
enum ModelLocation {
    static let searchPath = ModelSearchPath.standard(
        executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath())

    /// The help text of every `--model` option that names the index's model.
    static let optionHelp =
        "The model folder the index was built with (default: the index's model, found by name in $EVIDENT_MODELS, "
        + "./Models, Models/ beside evident or above it, ~/.local/share/evident/models)."

    /// The folder of `modelID`: `given` when there is one, else the first match on the search path.
    static func directory(for modelID: String, given: String?) -> URL? {
        if let given { return URL(fileURLWithPath: given) }
        return searchPath.directory(for: modelID)
    }

    /// Loads `modelID` (or the folder `given`).
    ///
    /// - Throws: `CommandFailure` saying where the model was looked for, or what is wrong with its files.
    static func load(_ modelID: String, given: String?, precision: EncoderPrecision = .fp32) throws
        -> SentenceEmbedder
    {
        guard let directory = directory(for: modelID, given: given) else { throw notFound(modelID) }
        let embedder: SentenceEmbedder
        do {
            embedder = try SentenceEmbedder(directory: directory, precision: precision)
        } catch {
            throw Advice.worded(error)
        }
        // In low precision the encoder shares the work between the cores itself; OpenBLAS's threads would only spin.
        if embedder.encoder.precision != .fp32 { Parallelism.matrixProductThreads = 1 }
        if embedder.encoder.precision != precision {
            let needs = precision == .bf16 ? "AVX-512 BF16" : "AVX-512 VNNI"
            Terminal.writeError(
                "evident: note: this processor has no \(needs); the encoder runs in \(embedder.encoder.precision)"
                    + " instead of \(precision)\n")
        }
        return embedder
    }

    /// The help text of every `--precision` option.
    static let precisionHelp =
        "The encoder's arithmetic: fp32; int16 (16-bit integer products summed exactly, needs AVX-512 VNNI); int8 "
        + "(8-bit, faster, coarser: a worst cosine of 0.981 to fp32); or bf16 (bfloat16 products summed in fp32, "
        + "needs AVX-512 BF16). Where the processor lacks the kernel, fp32 with a note."

    /// The failure of a model that is on none of the search path's folders.
    static func notFound(_ modelID: String) -> CommandFailure {
        let folders = searchPath.folders.map(\.path)
        let shown = folders.count > 4 ? folders.prefix(3) + ["…", folders[folders.count - 1]] : folders[...]
        return CommandFailure(
            "the model \(modelID) is not in any of \(shown.joined(separator: ", ")); run `make setup`, which "
                + "fetches all-MiniLM-L6-v2 into Models/, set EVIDENT_MODELS to a folder that holds it, or pass "
                + "--model DIR")
    }
}
