extension String {
    /// Creates a string from Unicode scalars, encoding them as UTF-8 in one pass.
    package init<Scalars: Collection>(decodingScalars scalars: Scalars) where Scalars.Element == Unicode.Scalar {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count + scalars.count / 4)
        for scalar in scalars {
            let value = scalar.value
            if value < 0x80 {
                bytes.append(UInt8(value))
            } else {
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
        self = String(decoding: bytes, as: UTF8.self)
    }

    /// The string's Unicode scalars as an array, decoded in one pass.
    package var unicodeScalarArray: [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(utf8.count)
        for scalar in unicodeScalars { scalars.append(scalar) }
        return scalars
    }
}
