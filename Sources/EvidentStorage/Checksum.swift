import Crypto

/// SHA-256 (FIPS 180-4) of index files, corpora and models: the engine's only door to swift-crypto.
///
/// Checksums guard against truncated or altered index files, not against an attacker. swift-crypto's SHA-256
/// (BoringSSL's, with the processor's SHA extensions where it has them) hashes a 100 MiB index file 1.7 times as
/// fast as the SHA-NI kernel Evident had before (0.10–0.11 s against 0.17–0.22 s on the 2-core Xeon VM of the
/// README's figures), so it replaced that kernel.
public struct Checksum: Sendable {
    private var hasher = Crypto.SHA256()

    /// Creates a hasher with nothing hashed yet.
    public init() {}

    /// Returns the hex digest of `bytes`.
    ///
    /// - Parameter bytes: The message.
    /// - Returns: 64 lowercase hexadecimal characters.
    public static func hexDigest(of bytes: some Sequence<UInt8>) -> String {
        var checksum = Checksum()
        checksum.update(Array(bytes))
        return checksum.finalizeHex()
    }

    /// Returns the hex digest of the bytes in `buffer`.
    ///
    /// - Parameter buffer: The message.
    /// - Returns: 64 lowercase hexadecimal characters.
    public static func hexDigest(of buffer: UnsafeRawBufferPointer) -> String {
        var checksum = Checksum()
        checksum.update(buffer)
        return checksum.finalizeHex()
    }

    /// Adds `bytes` to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds the bytes in `buffer` to the message.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: buffer)
    }

    /// Finishes the hash and returns it as 64 lowercase hexadecimal characters.
    public mutating func finalizeHex() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in hasher.finalize() {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
