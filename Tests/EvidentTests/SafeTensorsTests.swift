import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct SafeTensorsTests {
    /// Writes `header` (JSON text) and `data` as a safetensors file in a fresh temporary directory.
    private static func file(header: String, data: [UInt8] = [], headerLength: UInt64? = nil) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("evident-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }  // pad with spaces, as writers do
        var bytes: [UInt8] = []
        let length = headerLength ?? UInt64(headerBytes.count)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
        bytes += headerBytes + data
        let url = directory.appendingPathComponent("model.safetensors")
        try Data(bytes).write(to: url)
        return url
    }

    private static func littleEndianBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> UInt32($0 * 8)) } }
    }

    /// The kind of the `EmbeddingError` that `body` throws, or `nil`.
    private static func kind(of body: () throws -> Void) -> EmbeddingError.Kind? {
        do {
            try body()
        } catch {
            return (error as? EmbeddingError)?.kind
        }
        return nil
    }

    private static func reason(of body: () throws -> Void) -> String {
        do {
            try body()
        } catch let error as EmbeddingError {
            return error.description
        } catch {
            return "unexpected error \(error)"
        }
        return "no error"
    }

    @Test func readsFloatTensorsByNameAsCopiesAndViews() throws {
        let weights: [Float] = [1, -2, 3.5, 0.25, 1e-8, -7]
        let bias: [Float] = [0.5, -0.5]
        let header = """
            {"__metadata__":{"format":"pt"},\
            "layer.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
            "layer.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},\
            "ids":{"dtype":"I64","shape":[1],"data_offsets":[32,40]}}
            """
        let url = try Self.file(
            header: header, data: Self.littleEndianBytes(weights + bias) + [UInt8](repeating: 0, count: 8))
        let tensors = try SafeTensors(contentsOf: url)
        #expect(tensors.tensors.count == 3)
        #expect(try tensors.tensor(named: "layer.weight").shape == [2, 3])
        #expect(try tensors.floats(named: "layer.weight", shape: [2, 3]) == weights)
        #expect(try tensors.floats(named: "layer.bias") == bias)
        let viewed = try tensors.withFloats(named: "layer.bias") { Array($0) }
        #expect(viewed == bias)
        #expect(try tensors.tensor(named: "ids").dtype == "I64")
    }

    @Test func readsUnalignedDataThroughACopy() throws {
        // A 5-byte header leaves the data at byte 13, not aligned for Float; the reader must still read it.
        let header = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        var bytes: [UInt8] = []
        let headerBytes = Array(header.utf8) + [0x20]
        for shift in stride(from: 0, to: 64, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: UInt64(headerBytes.count) >> UInt64(shift)))
        }
        bytes += headerBytes + Self.littleEndianBytes([2.5, -1])
        let tensors = try SafeTensors(storage: ReadOnlyBytes(copying: bytes, path: "memory"))
        #expect(try tensors.withFloats(named: "x") { Array($0) } == [2.5, -1])
        #expect(try tensors.floats(named: "x") == [2.5, -1])
    }

    @Test func rejectsATruncatedFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evident-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("model.safetensors")
        try Data([1, 2, 3]).write(to: url)
        let message = Self.reason { _ = try SafeTensors(contentsOf: url) }
        #expect(message.contains("truncated"), "\(message)")
        #expect(Self.kind { _ = try SafeTensors(contentsOf: url) } == .damagedFile)
    }

    @Test func rejectsAHeaderLengthPastTheEnd() throws {
        let url = try Self.file(header: "{}", headerLength: 4096)
        let message = Self.reason { _ = try SafeTensors(contentsOf: url) }
        #expect(message.contains("header length 4096 runs past the end"), "\(message)")
    }

    @Test func rejectsAnUnknownDtype() throws {
        let url = try Self.file(
            header: #"{"x":{"dtype":"F24","shape":[1],"data_offsets":[0,3]}}"#, data: [0, 0, 0])
        let message = Self.reason { _ = try SafeTensors(contentsOf: url) }
        #expect(message.contains("unknown dtype \"F24\""), "\(message)")
    }

    @Test func rejectsOffsetsOutOfRange() throws {
        let url = try Self.file(
            header: #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 8))
        let message = Self.reason { _ = try SafeTensors(contentsOf: url) }
        #expect(message.contains("data_offsets [0, 16] outside the 8-byte data section"), "\(message)")

        let mismatched = try Self.file(
            header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        let mismatch = Self.reason { _ = try SafeTensors(contentsOf: mismatched) }
        #expect(mismatch.contains("spans 8 bytes"), "\(mismatch)")
    }

    @Test func namesAMissingTensorAndHowToFetchTheModel() throws {
        let url = try Self.file(
            header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: Self.littleEndianBytes([1]))
        let tensors = try SafeTensors(contentsOf: url)
        let message = Self.reason { _ = try tensors.floats(named: "encoder.layer.0.attention.self.query.weight") }
        #expect(message.contains("no tensor named \"encoder.layer.0.attention.self.query.weight\""), "\(message)")
        #expect(
            Self.kind { _ = try tensors.floats(named: "encoder.layer.0.attention.self.query.weight") } == .damagedFile)
    }

    @Test func rejectsAWrongDtypeOrShapeOnRead() throws {
        let url = try Self.file(
            header:
                #"{"x":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
            data: [UInt8](repeating: 0, count: 8))
        let tensors = try SafeTensors(contentsOf: url)
        #expect(Self.reason { _ = try tensors.floats(named: "x") }.contains("is I32"))
        #expect(Self.reason { _ = try tensors.floats(named: "y", shape: [2]) }.contains("has shape [1]"))
    }

    @Test func rejectsAMissingFile() {
        let message = Self.reason {
            _ = try SafeTensors(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors"))
        }
        #expect(message.contains("/nonexistent/model.safetensors"), "\(message)")
        #expect(
            Self.kind { _ = try SafeTensors(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors")) }
                == .missingFile)
    }
}
