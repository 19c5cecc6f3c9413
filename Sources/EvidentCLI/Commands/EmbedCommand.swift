import ArgumentParser
import Evident
import Foundation

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with the sentence encoder: JSON lines in, JSON lines out.",
        discussion: """
            Reads lines {"text": "…"} from standard input (or --input) and writes one line per text, \
            {"text", "ids", "embedding"}: the WordPiece token ids ([CLS] … [SEP], truncated to the model's \
            maximum sequence length) and the L2-normalised mean-pooled embedding. Texts are embedded in batches. \
            Blank lines are skipped.
            """)

    @Option(
        help: ArgumentHelp(
            "A sentence-transformers BERT folder (config.json, vocab.txt, model.safetensors; default: "
                + "all-MiniLM-L6-v2 found as for every command, see `evident --help`).", valueName: "dir"))
    var model: String?
    @Option(help: "Read the texts from this file instead of standard input.") var input: String?
    @Option(help: "Texts the encoder runs together (at most; in low precision also at most 2,048 tokens).")
    var batchSize = 64
    @Option(help: ArgumentHelp(ModelLocation.precisionHelp)) var precision: PrecisionOption = .fp32

    func validate() throws {
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must lie between 1 and 4096.") }
    }

    func run() throws {
        let embedder = try ModelLocation.load(
            ModelSearchPath.defaultModelID, given: model, precision: precision.precision)
        let (text, source) = try InputText.read(input)
        var texts: [String] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                let value = object["text"] as? String
            else {
                throw CommandFailure(
                    "\(source):\(offset + 1): expected a JSON object with a string \"text\"; "
                        + "write one {\"text\": \"…\"} per line")
            }
            texts.append(value)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let output = FileHandle.standardOutput
        // Texts go to the encoder 1,024 at a time (or a batch, if larger), so that it can keep several batches in
        // flight; their lines are written as each such chunk is done.
        let chunk = max(batchSize, 1024)
        var start = 0
        while start < texts.count {
            let batch = Array(texts[start..<min(start + chunk, texts.count)])
            let vectors = embedder.embed(batch, batchSize: batchSize)
            var lines = Data()
            for (text, vector) in zip(batch, vectors) {
                let line = EmbeddedText(text: text, ids: embedder.tokenizer.tokenIDs(for: text), embedding: vector)
                lines.append(try encoder.encode(line))
                lines.append(0x0A)
            }
            output.write(lines)
            start += batch.count
        }
    }
}

/// One output line of `evident embed`, the shape of the reference embeddings file.
private struct EmbeddedText: Encodable {
    var text: String
    var ids: [Int32]
    var embedding: [Float]
}

/// `--precision`: the encoder's precisions, spelled as on the command line, and `auto`: the fastest this processor
/// runs (`EncoderPrecision.fastestAvailable`).
enum PrecisionOption: String, ExpressibleByArgument, CaseIterable {
    case auto, fp32, bf16, int16, int8

    var precision: EncoderPrecision {
        switch self {
        case .auto: .fastestAvailable
        case .fp32: .fp32
        case .bf16: .bf16
        case .int16: .int16
        case .int8: .int8
        }
    }
}
