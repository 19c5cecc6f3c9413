extension WordPieceTokenizer {
    /// The vocabulary as an open-addressing hash table keyed by Unicode scalar sequences, so that a piece of a
    /// word can be looked up straight from a scalar buffer without building a `String`.
    ///
    /// A `##`-prefixed token is stored as its body with the continuation flag set; the flag is part of the key.
    struct Vocabulary: Sendable {
        /// The tokens, indexed by id.
        let tokens: [String]
        /// The scalars of every token's body, back to back.
        private let scalars: [UInt32]
        /// Where each token's body starts in `scalars`, indexed by id.
        private let starts: [Int32]
        /// How many scalars each token's body has, indexed by id.
        private let lengths: [Int32]
        /// Whether each token is a `##` continuation, indexed by id.
        private let continuations: [Bool]
        /// Token ids by hash; -1 marks an empty slot. The count is a power of two.
        private let slots: [Int32]
        /// The longest token body in scalars; no longer piece can match.
        let longestBody: Int

        static let continuationPrefix: [UInt32] = [0x23, 0x23]  // "##"

        init(tokens: [String]) {
            precondition(tokens.count < Int(Int32.max), "vocabulary has too many tokens")
            self.tokens = tokens
            var scalars: [UInt32] = []
            var starts: [Int32] = []
            var lengths: [Int32] = []
            var continuations: [Bool] = []
            starts.reserveCapacity(tokens.count)
            lengths.reserveCapacity(tokens.count)
            continuations.reserveCapacity(tokens.count)
            var longestBody = 0
            for token in tokens {
                let tokenScalars = token.unicodeScalars.map(\.value)
                let isContinuation = tokenScalars.starts(with: Self.continuationPrefix)
                let body = isContinuation ? tokenScalars.dropFirst(2) : tokenScalars[...]
                starts.append(Int32(scalars.count))
                lengths.append(Int32(body.count))
                continuations.append(isContinuation)
                scalars.append(contentsOf: body)
                longestBody = max(longestBody, body.count)
            }
            var capacity = 16
            while capacity < tokens.count * 2 { capacity *= 2 }
            var slots = [Int32](repeating: -1, count: capacity)
            let mask = capacity - 1
            scalars.withUnsafeBufferPointer { buffer in
                for id in tokens.indices {
                    let body = UnsafeBufferPointer(rebasing: buffer[Int(starts[id])..<Int(starts[id] + lengths[id])])
                    var slot = Self.hash(body, isContinuation: continuations[id]) & mask
                    while slots[slot] >= 0 {
                        let other = Int(slots[slot])
                        // A later duplicate replaces the earlier one, as Hugging Face's vocabulary loaders do.
                        if continuations[other] == continuations[id]
                            && body.elementsEqual(buffer[Int(starts[other])..<Int(starts[other] + lengths[other])])
                        {
                            break
                        }
                        slot = (slot + 1) & mask
                    }
                    slots[slot] = Int32(id)
                }
            }
            self.scalars = scalars
            self.starts = starts
            self.lengths = lengths
            self.continuations = continuations
            self.slots = slots
            self.longestBody = longestBody
        }

        /// The number of tokens, duplicates included (ids run from 0 to `count - 1`).
        var count: Int { tokens.count }

        /// The id of `token` (written with its `##` prefix when it has one), or `nil`.
        func id(of token: String) -> Int32? {
            let tokenScalars = token.unicodeScalars.map(\.value)
            let isContinuation = tokenScalars.starts(with: Self.continuationPrefix)
            let body = isContinuation ? Array(tokenScalars.dropFirst(2)) : tokenScalars
            return body.withUnsafeBufferPointer { id(of: $0, isContinuation: isContinuation) }
        }

        /// The id of the token whose body is `piece`, a continuation (`##`) token when `isContinuation`, or `nil`.
        func id(of piece: UnsafeBufferPointer<UInt32>, isContinuation: Bool) -> Int32? {
            let mask = slots.count - 1
            var slot = Self.hash(piece, isContinuation: isContinuation) & mask
            return scalars.withUnsafeBufferPointer { buffer in
                while true {
                    let candidate = slots[slot]
                    if candidate < 0 { return nil }
                    let id = Int(candidate)
                    if continuations[id] == isContinuation && Int(lengths[id]) == piece.count {
                        let start = Int(starts[id])
                        var equal = true
                        for offset in 0..<piece.count where buffer[start + offset] != piece[offset] {
                            equal = false
                            break
                        }
                        if equal { return candidate }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }

        /// FNV-1a over the scalars, with the continuation flag mixed in first.
        private static func hash(_ piece: UnsafeBufferPointer<UInt32>, isContinuation: Bool) -> Int {
            var hash: UInt64 = isContinuation ? 0x84222325_cbf29ce4 : 0xcbf29ce4_84222325
            for scalar in piece {
                hash = (hash ^ UInt64(scalar)) &* 0x0000_0100_0000_01B3
            }
            return Int(truncatingIfNeeded: hash ^ (hash >> 29))
        }
    }
}
