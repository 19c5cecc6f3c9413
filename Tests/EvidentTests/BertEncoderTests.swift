import EvidentTestSupport
import Foundation
import Synchronization
import Testing

@testable import Evident

@Suite struct BertEncoderTests {
    /// One line of the reference file: a text, its token ids and the reference implementation's embedding.
    struct Reference: Decodable {
        var text: String
        var ids: [Int32]
        var embedding: [Float]
    }

    static let modelIsPresent = SharedData.miniLMModel != nil && SharedData.referenceEmbeddings != nil

    static func references() throws -> [Reference] {
        let url = try #require(SharedData.referenceEmbeddings)
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try JSONDecoder().decode(Reference.self, from: Data(line.utf8))
        }
    }

    static func encoder() throws -> BertEncoder {
        try BertEncoder(directory: #require(SharedData.miniLMModel))
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0
        var normA = 0.0
        var normB = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            normA += Double(x) * Double(x)
            normB += Double(y) * Double(y)
        }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }

    @Test(.enabled(if: modelIsPresent, "\(SharedData.missingModelMessage); or ../shared/reference is missing"))
    func embeddingsMatchTheReferenceImplementation() throws {
        let references = try Self.references()
        #expect(references.count == 70)
        let encoder = try Self.encoder()
        #expect(encoder.dimension == 384)
        #expect(encoder.maximumSequenceLength == 256)
        let started = ContinuousClock.now
        let vectors = encoder.embed(tokenIDs: references.map(\.ids))
        let elapsed = ContinuousClock.now - started
        let cosines = zip(vectors, references).map { Self.cosine($0, $1.embedding) }
        let ranked = zip(cosines, references).sorted { $0.0 < $1.0 }
        let worst = ranked.prefix(5).map {
            "\(String(format: "%.7f", $0.0)) (\($0.1.ids.count) tokens) \($0.1.text.prefix(60))"
        }
        print("BertEncoder: \(references.count) reference texts embedded in \(elapsed); minimum cosine \(ranked[0].0)")
        for (cosine, reference) in zip(cosines, references) {
            #expect(cosine >= 0.9999, "cosine \(cosine) for \(reference.text.prefix(80)); worst: \(worst)")
        }
        // Embedded one at a time, short texts take the few-rows path (our kernel instead of sgemm): same vectors.
        let short = references.filter { $0.ids.count <= BertEncoder.smallBatchRows }
        #expect(short.count >= 10)
        for reference in short {
            let alone = encoder.embed(tokenIDs: [reference.ids], batchSize: 1)[0]
            #expect(Self.cosine(alone, reference.embedding) >= 0.9999, "\(reference.text.prefix(80)) alone")
        }
    }

    @Test(.enabled(if: SharedData.miniLMModel != nil, "\(SharedData.missingModelMessage)"))
    func aTextEmbeddedAloneEqualsTheSameTextInsideABatch() throws {
        let encoder = try Self.encoder()
        let text: [Int32] = [101, 1996, 3899, 1997, 2019, 7861, 4667, 2003, 2460, 1012, 102]
        let shorter: [Int32] = [101, 7592, 102]
        let longer: [Int32] = [101] + (0..<60).map { Int32(2000 + $0 * 7) } + [102]
        let alone = encoder.embed(tokenIDs: [text])[0]
        let batched = encoder.embed(tokenIDs: [longer, text, shorter, longer, text], batchSize: 3)
        #expect(batched.count == 5)
        for vector in [batched[1], batched[4]] {
            let difference = zip(alone, vector).map { abs($0 - $1) }.max() ?? 0
            #expect(difference <= 1e-5, "largest difference \(difference)")
        }
        #expect(batched[0] == batched[3])
    }

    @Test(.enabled(if: SharedData.miniLMModel != nil, "\(SharedData.missingModelMessage)"))
    func keepingTheWorkOnTheCallingThreadGivesTheSameVectors() throws {
        let encoder = try Self.encoder()
        let short: [Int32] = [101, 1996, 3899, 1997, 2019, 7861, 4667, 2003, 2460, 1012, 102]
        let long: [Int32] = [101] + (0..<300).map { Int32(2000 + $0 * 7) } + [102]
        for batch in [[short], [short, long, short]] {
            let shared = encoder.embed(tokenIDs: batch)
            let alone = Parallelism.$callerThreadOnly.withValue(true) { encoder.embed(tokenIDs: batch) }
            #expect(shared == alone, "\(batch.count) sequences")
        }
    }

    @Test func rowsAreSplitBetweenTwoThreadsUnlessTheWorkStaysOnTheCallingThread() {
        func parts(callerThreadOnly: Bool) -> [Range<Int>] {
            let parts = Mutex<[Range<Int>]>([])
            Parallelism.$callerThreadOnly.withValue(callerThreadOnly) {
                BertKernels.splittingRows(1000, minimumRows: 10) { range in parts.withLock { $0.append(range) } }
            }
            return parts.withLock { $0.sorted { $0.lowerBound < $1.lowerBound } }
        }
        #expect(parts(callerThreadOnly: false) == [0..<500, 500..<1000])
        #expect(parts(callerThreadOnly: true) == [0..<1000])
        #expect(!Parallelism.callerThreadOnly, "the setting ends with its scope")
    }

    @Test(.enabled(if: SharedData.miniLMModel != nil, "\(SharedData.missingModelMessage)"))
    func vectorsHaveUnitLengthAndEmptySequencesGiveZero() throws {
        let encoder = try Self.encoder()
        let vectors = encoder.embed(tokenIDs: [
            [101, 102], [101, 7592, 2088, 102], [], [101] + [Int32](repeating: 1996, count: 300) + [102],
        ])
        for vector in vectors.prefix(2) + vectors.suffix(1) {
            let length = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(length - 1) < 1e-5)
            #expect(vector.count == 384)
        }
        #expect(vectors[2] == [Float](repeating: 0, count: 384))
    }

    @Test(arguments: [
        (0.5, 0.520_499_877_8), (1, 0.842_700_792_9), (-2, -0.995_322_265_0), (3, 0.999_977_909_5), (0, 0),
        (-0.1, -0.112_462_916_0), (10, 1),
    ])
    func errorFunctionMatchesExactValues(input: Float, expected: Double) {
        let value = BertKernels.errorFunction(input)
        #expect(abs(Double(value) - expected) <= 1e-6, "erf(\(input)) = \(value), expected \(expected)")
    }

    @Test func errorFunctionStaysWithinAQuarterOfAMillionthOfTheLibraryOne() {
        var largest: Float = 0
        for step in -6000...6000 {
            let x = Float(step) / 1000
            largest = max(largest, abs(BertKernels.errorFunction(x) - Float(erf(Double(x)))))
        }
        #expect(largest <= 2.5e-7, "largest error \(largest)")
    }

    @Test func geluAndExponentialMatchTheirDefinitions() {
        for x: Float in [-5, -1.5, -0.3, 0, 0.7, 2, 6] {
            let exact = Double(x) * 0.5 * (1 + erf(Double(x) / 2.0.squareRoot()))
            #expect(abs(Double(BertKernels.gelu(x)) - exact) <= 1e-6, "gelu(\(x))")
        }
        for x: Float in [-80, -20, -1, -0.1, 0, 0.3, 1, 10, 80, 88] {
            let value = BertKernels.exponential(BertKernels.Vector(repeating: x))[0]
            let exact = exp(Double(x))
            #expect(abs(Double(value) - exact) <= 3e-7 * exact, "exp(\(x)) = \(value)")
        }
    }

    @Test func aMissingModelFolderNamesTheFileAndTheFix() {
        let directory = URL(fileURLWithPath: "/nonexistent-model")
        #expect {
            _ = try BertEncoder(directory: directory)
        } throws: { error in
            let description = "\(error)"
            return description.contains("/nonexistent-model/config.json") && description.contains("make setup")
        }
    }
}

/// Throughput of the encoder against plain sgemm, printed, never asserted. Run in release with
/// `EVIDENT_MEASURE_ENCODER=1 swift test -c release -Xswiftc -enable-testing --filter EncoderThroughput`.
@Suite struct EncoderThroughput {
    @Test(
        .enabled(
            if: SharedData.miniLMModel != nil && ProcessInfo.processInfo.environment["EVIDENT_MEASURE_ENCODER"] != nil,
            "set EVIDENT_MEASURE_ENCODER=1 (and build in release) to measure"))
    func encoderAndSgemmGigaflops() throws {
        let encoder = try BertEncoder(directory: #require(SharedData.miniLMModel))
        let configuration = encoder.configuration
        var generator = SystemRandomNumberGenerator()
        let sequences: [[Int32]] = (0..<256).map { _ in
            let length = Int.random(in: 112...144, using: &generator)
            return [101] + (0..<(length - 2)).map { _ in Int32.random(in: 1000..<30000, using: &generator) } + [102]
        }
        let hidden = Double(configuration.hiddenSize)
        let intermediate = Double(configuration.intermediateSize)
        let flops = sequences.reduce(0.0) { total, sequence in
            let length = Double(sequence.count)
            let projections = 2 * length * hidden * (4 * hidden + 2 * intermediate)
            let attention = 4 * length * length * hidden
            return total + Double(configuration.layerCount) * (projections + attention)
        }
        _ = encoder.embed(tokenIDs: Array(sequences.prefix(32)))
        var best = Duration.seconds(1000)
        for _ in 0..<3 {
            let started = ContinuousClock.now
            _ = encoder.embed(tokenIDs: sequences)
            best = min(best, ContinuousClock.now - started)
        }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
        print("encoder: 256 sequences of 112–144 tokens in \(seconds) s, \(flops / seconds / 1e9) GFLOP/s")

        // Plain sgemm on the feed-forward shape of a 32-sequence batch: 4096 × 1536 × 384.
        let (m, n, k) = (4096, 1536, 384)
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &generator) }
        let b = (0..<(n * k)).map { _ in Float.random(in: -1...1, using: &generator) }
        var c = [Float](repeating: 0, count: m * n)
        var sgemmBest = Duration.seconds(1000)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for _ in 0..<20 {
                        let started = ContinuousClock.now
                        BLAS.gemm(a, b, transposeB: true, into: c, m: m, n: n, k: k)
                        sgemmBest = min(sgemmBest, ContinuousClock.now - started)
                    }
                }
            }
        }
        let sgemmSeconds = Double(sgemmBest.components.seconds) + Double(sgemmBest.components.attoseconds) * 1e-18
        print("sgemm \(m)×\(n)×\(k): \(2 * Double(m * n * k) / sgemmSeconds / 1e9) GFLOP/s")
    }
}
