/// One of `count` parts of a corpus, split by a stable hash of each document's id: what one shard of a sharded
/// index holds (`evident index --shard 2/3`).
///
/// The hash is FNV-1a (64 bits) over the id's UTF-8 bytes, so a document stays in its shard whatever else the corpus
/// holds, on every machine and in every run; a changed corpus changes only the shards of the documents that changed.
public struct CorpusShard: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Which shard, from 1 to `count`.
    public let number: Int
    /// How many shards the corpus is split into.
    public let count: Int

    /// The shard `number` of `count`, or `nil` unless 1 ≤ `number` ≤ `count`.
    public init?(number: Int, of count: Int) {
        guard count >= 1, (1...count).contains(number) else { return nil }
        self.number = number
        self.count = count
    }

    /// Parses "K/N" (shard K of N, counted from 1); `nil` for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let number = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self.init(number: number, of: count)
    }

    /// "2/3".
    public var description: String { "\(number)/\(count)" }

    /// Whether the document with id `id` belongs to this shard.
    public func contains(documentID id: String) -> Bool { Self.number(ofDocumentID: id, count: count) == number }

    /// The shard (from 1) of `count` that the document with id `id` belongs to.
    public static func number(ofDocumentID id: String, count: Int) -> Int {
        precondition(count >= 1, "a corpus splits into at least one shard")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count)) + 1
    }
}
