import Foundation

/// Which documents a search may return, by their metadata: every condition must hold.
///
/// A condition names a key of the documents' metadata (a front matter key, a field of a PubMed record such as
/// `year`, `journal` or `mesh`, or `format`) and compares each of the document's values for it with the
/// condition's values. A list value (front matter lists, PubMed's MeSH terms) is its items, and a document
/// matches `key=value` when any item equals `value`. Text compares without regard to case; comparisons (`<`,
/// `<=`, `>`, `>=`) need a key whose values are all numbers or all dates (`2024`, `2024-05`, `2024-05-17`).
public struct MetadataFilter: Sendable, Hashable, CustomStringConvertible {
    /// The conditions, all of which a document must meet.
    public var conditions: [Condition]

    /// Creates a filter of `conditions` (none: every document).
    public init(_ conditions: [Condition] = []) {
        self.conditions = conditions
    }

    /// Parses expressions such as `year>=2020`, `cancerTypes=lung,breast` or `language!=fr`, one condition each.
    ///
    /// - Throws: `MetadataFilterError.malformed` for an expression that is not `key`, an operator and a value.
    public init(parsing expressions: [String]) throws(MetadataFilterError) {
        conditions = try expressions.map { expression throws(MetadataFilterError) in try Condition(parsing: expression)
        }
    }

    /// Whether the filter keeps every document.
    public var isEmpty: Bool { conditions.isEmpty }

    public var description: String { conditions.map(\.description).joined(separator: " AND ") }

    /// How a condition compares a document's value with its own.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="

        /// Whether the comparison orders values (and so needs numbers or dates).
        public var orders: Bool { self != .equal && self != .notEqual }
    }

    /// One condition: `key`, a comparison, and the values compared with (any of them, for `=`; none of them,
    /// for `!=`; exactly one for an ordering comparison).
    public struct Condition: Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var comparison: Comparison
        public var values: [String]

        /// Creates a condition.
        ///
        /// - Precondition: `values` is not empty, and holds one value for an ordering comparison.
        public init(key: String, _ comparison: Comparison, _ values: [String]) {
            precondition(!values.isEmpty, "a condition needs a value")
            precondition(!comparison.orders || values.count == 1, "\(comparison.rawValue) compares with one value")
            self.key = key
            self.comparison = comparison
            self.values = values
        }

        /// Parses `key<op>value[,value…]`: the operator is one of `=`, `!=`, `<`, `<=`, `>`, `>=`; a list of
        /// values (for `=` and `!=` only) is separated by commas, and `\,` is a comma inside a value.
        ///
        /// - Throws: `MetadataFilterError.malformed` naming what is wrong.
        public init(parsing expression: String) throws(MetadataFilterError) {
            let scalars = Array(expression.unicodeScalars)
            guard let operatorStart = scalars.firstIndex(where: { "=!<>".unicodeScalars.contains($0) }) else {
                throw .malformed(expression, "it has no operator (=, !=, <, <=, >, >=)")
            }
            let key = String(String.UnicodeScalarView(scalars[..<operatorStart])).trimmingBlanks()
            // The operator is the whole run of operator characters, so that `=<` is refused rather than read as
            // `=` with the value `<…`.
            var operatorEnd = operatorStart
            while operatorEnd < scalars.count, "=!<>".unicodeScalars.contains(scalars[operatorEnd]) { operatorEnd += 1 }
            let symbol = String(String.UnicodeScalarView(scalars[operatorStart..<operatorEnd]))
            guard let comparison = Comparison(rawValue: symbol) else {
                throw .malformed(expression, "\"\(symbol)\" is not an operator (=, !=, <, <=, >, >=)")
            }
            guard !key.isEmpty else { throw .malformed(expression, "it names no key before \(symbol)") }
            guard key.unicodeScalars.allSatisfy(Self.isKeyScalar) else {
                throw .malformed(expression, "\"\(key)\" is not a key (letters, digits, _, - and . only)")
            }
            let values = Self.splitValues(Array(scalars[operatorEnd...]))
            guard !values.isEmpty, values.allSatisfy({ !$0.isEmpty }) else {
                throw .malformed(expression, "it has an empty value after \(symbol)")
            }
            guard !comparison.orders || values.count == 1 else {
                throw .malformed(expression, "\(symbol) compares with one value, not a list")
            }
            self.init(key: key, comparison, values)
        }

        public var description: String {
            key + comparison.rawValue
                + values.map { $0.replacingOccurrences(of: ",", with: "\\,") }.joined(separator: ",")
        }

        private static func isKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
                || scalar == "."
        }

        /// The comma-separated values, trimmed, `\,` kept as a comma.
        private static func splitValues(_ scalars: [Unicode.Scalar]) -> [String] {
            var values: [String] = []
            var current = String.UnicodeScalarView()
            var position = 0
            while position < scalars.count {
                let scalar = scalars[position]
                if scalar == "\\", position + 1 < scalars.count, scalars[position + 1] == "," {
                    current.append(",")
                    position += 2
                    continue
                }
                if scalar == "," {
                    values.append(String(current).trimmingBlanks())
                    current = String.UnicodeScalarView()
                } else {
                    current.append(scalar)
                }
                position += 1
            }
            values.append(String(current).trimmingBlanks())
            return values
        }
    }
}

/// A filter that cannot be applied: the cases name the expression or key at fault and what the index has.
public enum MetadataFilterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The expression is not `key`, an operator and a value.
    case malformed(String, String)
    /// No document of the index has the key; `available` lists the keys it has.
    case unknownKey(String, available: [String])
    /// An ordering comparison on a key whose values are text; `examples` are some of its values.
    case comparisonOnText(MetadataFilter.Condition, examples: [String])
    /// A value that is not of the key's kind (`year>=soon`).
    case valueNotOfKind(MetadataFilter.Condition, kind: DocumentFields.Kind)

    public var description: String {
        switch self {
        case .malformed(let expression, let reason):
            "the filter \"\(expression)\" cannot be read: \(reason); write it as key=value, key!=value, "
                + "key>=value (also <, <=, >), or key=a,b for any of several values"
        case .unknownKey(let key, let available):
            "no document of this index has the key \"\(key)\"; its keys are "
                + (available.isEmpty ? "none (its documents carry no metadata)" : available.joined(separator: ", "))
        case .comparisonOnText(let condition, let examples):
            "\"\(condition)\" orders text: \(condition.key)'s values are not all numbers or dates (such as "
                + examples.map { "\"\($0)\"" }.joined(separator: ", ") + "); use = or != instead"
        case .valueNotOfKind(let condition, let kind):
            "\"\(condition)\": \(condition.key) holds \(kind == .number ? "numbers" : "dates (2024, 2024-05, 2024-05-17)"), "
                + "and \"\(condition.values[0])\" is not one"
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate func trimmingBlanks() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
