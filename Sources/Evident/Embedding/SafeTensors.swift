import Foundation

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header that maps each tensor
/// name to its dtype, shape and byte range, then the tensor data.
///
/// Only `F32` tensors can be read as floats; the other dtypes of the format are recognised so that a file holding
/// them still opens. The mapping lives as long as the value (and its copies).
struct SafeTensors: Sendable {
    /// Where one tensor lives in the file and what it holds.
    struct Tensor: Sendable, Hashable {
        /// The element type as the header spells it (`F32`, `I64`, …).
        var dtype: String
        /// The dimensions, outermost first.
        var shape: [Int]
        /// The byte range inside the data section (after the header).
        var byteRange: Range<Int>

        /// The number of elements, the product of `shape`.
        var elementCount: Int { shape.reduce(1, *) }
    }

    /// The dtypes of the safetensors format and their element sizes in bytes.
    static let elementSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4,
        "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]

    /// The file's path, for error messages.
    let path: String
    /// The tensors by name (`__metadata__` is not a tensor and is left out).
    let tensors: [String: Tensor]
    private let storage: ReadOnlyBytes
    private let dataStart: Int

    /// Maps and parses the file at `url`.
    ///
    /// - Throws: `EmbeddingError` when the file cannot be read, is truncated, or its header is malformed.
    init(contentsOf url: URL) throws(EmbeddingError) {
        let storage: ReadOnlyBytes
        do {
            storage = try ReadOnlyBytes(mapping: url.path)
        } catch {
            let reason = if case .unreadable(_, let reason) = error { reason } else { error.description }
            throw EmbeddingError(.missingFile, path: url.path, reason: reason)
        }
        try self.init(storage: storage)
    }

    /// Parses bytes already in memory or mapped.
    ///
    /// - Throws: `EmbeddingError` when the bytes are truncated or the header is malformed.
    init(storage: ReadOnlyBytes) throws(EmbeddingError) {
        let path = storage.path
        let bytes = storage.bytes
        func damaged(_ reason: String) -> EmbeddingError {
            EmbeddingError(.damagedFile, path: path, reason: "not a valid safetensors file: \(reason)")
        }
        guard bytes.count >= 8 else {
            throw damaged("truncated: \(bytes.count) bytes, too short for the 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for index in (0..<8).reversed() { headerLength = headerLength << 8 | UInt64(bytes[index]) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw damaged("header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        let dataStart = 8 + Int(headerLength)
        let header = Data(bytes[8..<dataStart])
        guard let object = try? JSONSerialization.jsonObject(with: header), let entries = object as? [String: Any]
        else { throw damaged("the header is not a JSON object") }
        let dataCount = bytes.count - dataStart
        var tensors: [String: Tensor] = [:]
        for (name, value) in entries where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
                offsets.count == 2
            else { throw damaged("tensor \"\(name)\" lacks a dtype, shape or data_offsets pair") }
            guard let elementSize = Self.elementSizes[dtype] else {
                throw damaged("tensor \"\(name)\" has the unknown dtype \"\(dtype)\"")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw damaged("tensor \"\(name)\" has a negative dimension") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataCount else {
                throw damaged(
                    "tensor \"\(name)\" has data_offsets [\(begin), \(end)] outside the \(dataCount)-byte data section")
            }
            let expected = shape.reduce(elementSize) { $0.multipliedReportingOverflow(by: $1).partialValue }
            guard end - begin == expected else {
                throw damaged(
                    "tensor \"\(name)\" spans \(end - begin) bytes; its shape \(shape) of \(dtype) needs \(expected)")
            }
            tensors[name] = Tensor(dtype: dtype, shape: shape, byteRange: begin..<end)
        }
        self.path = path
        self.tensors = tensors
        self.storage = storage
        self.dataStart = dataStart
    }

    /// The description of the tensor called `name`.
    ///
    /// - Throws: `EmbeddingError` naming the tensor when the file has none by that name.
    func tensor(named name: String) throws(EmbeddingError) -> Tensor {
        guard let tensor = tensors[name] else {
            throw EmbeddingError(
                .damagedFile, path: path, reason: "the model has no tensor named \"\(name)\"",
                fix: "is this a BERT sentence-transformers checkpoint?")
        }
        return tensor
    }

    /// Calls `body` with the elements of the `F32` tensor `name`, row-major.
    ///
    /// The buffer points into the mapping when the data is aligned for `Float` (it is in files written by the
    /// reference implementation) and into a temporary copy otherwise; it must not escape `body`.
    ///
    /// - Parameters:
    ///   - name: The tensor's name in the header.
    ///   - shape: The shape the caller expects, or `nil` to accept any.
    ///   - body: Reads the elements; the buffer is valid only during the call.
    /// - Returns: What `body` returns.
    /// - Throws: `EmbeddingError` when the tensor is missing, is not `F32` or has another shape; or what `body`
    ///   throws.
    func withFloats<Result>(
        named name: String, shape: [Int]? = nil, _ body: (UnsafeBufferPointer<Float>) throws -> Result
    ) throws -> Result {
        let tensor = try checkedFloatTensor(named: name, shape: shape)
        let start = dataStart + tensor.byteRange.lowerBound
        let raw = UnsafeRawBufferPointer(rebasing: storage.bytes[start..<(dataStart + tensor.byteRange.upperBound)])
        if let base = raw.baseAddress, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            return try withExtendedLifetime(storage) {
                try body(
                    UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: tensor.elementCount))
            }
        }
        return try floats(named: name).withUnsafeBufferPointer(body)
    }

    /// A copy of the elements of the `F32` tensor `name`, row-major.
    ///
    /// - Parameters:
    ///   - name: The tensor's name in the header.
    ///   - shape: The shape the caller expects, or `nil` to accept any.
    /// - Returns: The elements, `shape`'s product of them.
    /// - Throws: `EmbeddingError` when the tensor is missing, is not `F32` or has another shape.
    func floats(named name: String, shape: [Int]? = nil) throws(EmbeddingError) -> [Float] {
        let tensor = try checkedFloatTensor(named: name, shape: shape)
        let start = dataStart + tensor.byteRange.lowerBound
        return [Float](unsafeUninitializedCapacity: tensor.elementCount) { buffer, initialized in
            let target = UnsafeMutableRawBufferPointer(buffer)
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage.bytes[start..<(start + target.count)]))
            initialized = tensor.elementCount
        }
    }

    private func checkedFloatTensor(named name: String, shape: [Int]?) throws(EmbeddingError) -> Tensor {
        let tensor = try tensor(named: name)
        guard tensor.dtype == "F32" else {
            throw EmbeddingError(
                .unsupportedModel, path: path,
                reason: "tensor \"\(name)\" is \(tensor.dtype); only F32 weights are supported")
        }
        if let shape, shape != tensor.shape {
            throw EmbeddingError(
                .damagedFile, path: path,
                reason: "tensor \"\(name)\" has shape \(tensor.shape); the configuration needs \(shape)",
                fix: "check that config.json belongs to this model.safetensors")
        }
        return tensor
    }
}
