/// The first words of each binary index file, and the format version they share.
package enum IndexFileMagic {
    /// The format version every index file records after its magic.
    package static let version: UInt32 = 2
    package static let lexicon: UInt32 = 0x584c_5645  // "EVLX"
    package static let postings: UInt32 = 0x4f50_5645  // "EVPO"
    package static let norms: UInt32 = 0x4d4e_5645  // "EVNM"
    package static let passages: UInt32 = 0x4150_5645  // "EVPA"
    package static let documents: UInt32 = 0x4f44_5645  // "EVDO"
    package static let flatVectors: UInt32 = 0x4656_5645  // "EVVF"
    package static let int8Vectors: UInt32 = 0x5156_5645  // "EVVQ"
    package static let sentenceVectors: UInt32 = 0x5356_5645  // "EVVS"
    package static let ivfVectors: UInt32 = 0x4956_5645  // "EVVI"
    package static let hnswVectors: UInt32 = 0x4856_5645  // "EVVH"
    package static let fields: UInt32 = 0x4446_5645  // "EVFD"
    package static let deletions: UInt32 = 0x4c44_5645  // "EVDL"
    package static let repeatedLines: UInt32 = 0x4c52_5645  // "EVRL"
    package static let collectionStatistics: UInt32 = 0x5343_5645  // "EVCS"

    /// Reads the magic and the version at the start of a file and checks them.
    ///
    /// - Throws: `StorageError` when the magic is not `magic` or the version not `version`.
    package static func check(_ reader: inout ByteReader, magic: UInt32) throws(StorageError) {
        let found = try reader.read(UInt32.self)
        guard found == magic else {
            throw StorageError.corrupt(reader.path, "it does not start with the expected file signature")
        }
        let version = try reader.read(UInt32.self)
        guard version == IndexFileMagic.version else {
            throw StorageError.unsupportedFormat(
                path: reader.path, version: Int(version), supported: Int(Self.version), writtenBy: nil)
        }
    }
}
