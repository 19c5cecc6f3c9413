import Evident
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A JSON value of any shape, decoded without a schema so that each field can be checked with a message of its
/// own (a missing field, a wrong type, a value out of range, a field nobody asked for).
enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let fields): try container.encode(fields)
        }
    }

    /// "a string", "a number", … for error messages.
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Where a body stops being UTF-8.
enum UTF8Validation {
    /// The offset of the first byte of `data` that does not belong to valid UTF-8, or `nil` when all of it is.
    static func firstInvalidUTF8Byte(in data: Data) -> Int? {
        guard String(validating: data, as: UTF8.self) == nil else { return nil }
        var decoder = UTF8()
        var iterator = data.makeIterator()
        var offset = 0
        var consumed = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                consumed += UTF8.width(scalar)
                offset = consumed
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}

/// The JSON object of a request body, read field by field.
struct JSONBody {
    private let fields: [String: JSONValue]
    /// The fields this route knows, for the message about an unknown one.
    private let known: [String]

    init(fields: [String: JSONValue], known: [String]) {
        self.fields = fields
        self.known = known
    }

    /// Reads the body of `request` as a JSON object whose fields are among `known`.
    ///
    /// - Throws: `APIError`: 415 without a JSON content type, 413 above `limit` bytes, 400 for anything that is
    ///   not a JSON object or has a field not in `known`.
    static func read(_ request: Request, limit: Int, known: [String]) async throws -> JSONBody {
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard mediaType == "application/json" else {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                "send the request body as JSON with the header Content-Type: application/json"
                    + (contentType.isEmpty ? " (no Content-Type was given)" : " (got \(contentType))"))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge("body_too_large", "the request body is over the limit of \(limit) bytes")
        } catch {
            // The connection ended before the body did: the client hung up. Not the server's failure.
            throw APIError.badRequest(
                "incomplete_body", "the request body ended before its Content-Length (the client closed the connection)"
            )
        }
        let data = Data(buffer.readableBytesView)
        if let offset = UTF8Validation.firstInvalidUTF8Byte(in: data) {
            throw APIError.badRequest(
                "invalid_json",
                "the request body is not valid UTF-8 (at byte offset \(offset)); send JSON encoded as UTF-8")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw APIError.badRequest("invalid_json", "the request body is not valid JSON (\(Self.reason(error)))")
        }
        guard case .object(let fields) = value else {
            throw APIError.badRequest(
                "invalid_json",
                "the request body must be a JSON object such as {\"\(known[0])\": …}; got \(value.kindDescription)")
        }
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw APIError.badRequest(
                "unknown_field",
                "unknown field \"\(unknown)\"; this route takes \(known.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        return JSONBody(fields: fields, known: known)
    }

    /// What the JSON parser said, without Swift's type names.
    private static func reason(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError,
            case .dataCorrupted(let context) = decodingError
        else { return "it could not be parsed" }
        let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
        return underlying ?? context.debugDescription
    }

    /// Whether the body has `field` (and it is not null).
    func has(_ field: String) -> Bool {
        if let value = fields[field], value != .null { return true }
        return false
    }

    /// The string `field`, trimmed; it must be present and not blank, and at most `maxCharacters` long.
    func requiredString(_ field: String, maxCharacters: Int) throws -> String {
        guard let value = fields[field], value != .null else {
            throw APIError.badRequest("missing_field", "the field \"\(field)\" is missing; give it as a string")
        }
        guard case .string(let text) = value else {
            throw APIError.badRequest(
                "wrong_type", "the field \"\(field)\" must be a string; got \(value.kindDescription)")
        }
        return try Self.checkedText(
            text, named: "the field \"\(field)\"", tooLongCode: "\(field)_too_long", maxCharacters: maxCharacters)
    }

    /// `text` trimmed, when it is not blank (422) and at most `maxCharacters` long (413); `name` says which text
    /// in the messages.
    static func checkedText(_ text: String, named name: String, tooLongCode: String, maxCharacters: Int) throws
        -> String
    {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw APIError.unprocessable("empty_field", "\(name) is empty; give some text")
        }
        guard trimmed.count <= maxCharacters else {
            throw APIError.tooLarge(
                tooLongCode, "\(name) has \(trimmed.count) characters; the limit is \(maxCharacters)")
        }
        return trimmed
    }

    /// The whole number `field`, or `defaultValue` when absent; it must lie in `range`.
    func integer(_ field: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let value = fields[field], value != .null else { return defaultValue }
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 1e15 else {
            throw APIError.badRequest(
                "wrong_type", "the field \"\(field)\" must be a whole number; got \(value.kindDescription)")
        }
        guard range.contains(Int(number)) else {
            throw APIError.unprocessable(
                "\(field)_out_of_range",
                "\(field) must lie between \(range.lowerBound) and \(range.upperBound); got \(Int(number))")
        }
        return Int(number)
    }

    /// The boolean `field`, or `defaultValue` when absent.
    func boolean(_ field: String, default defaultValue: Bool) throws -> Bool {
        guard let value = fields[field], value != .null else { return defaultValue }
        guard case .bool(let flag) = value else {
            throw APIError.badRequest(
                "wrong_type", "the field \"\(field)\" must be true or false; got \(value.kindDescription)")
        }
        return flag
    }

    /// The string `field` as one of `Choice`'s raw values, or nil when absent.
    func choice<Choice: RawRepresentable & CaseIterable>(_ field: String, as type: Choice.Type) throws -> Choice?
    where Choice.RawValue == String {
        guard let value = fields[field], value != .null else { return nil }
        let choices = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard case .string(let text) = value, let choice = Choice(rawValue: text.lowercased()) else {
            throw APIError.unprocessable("invalid_\(field)", "\(field) must be one of \(choices)")
        }
        return choice
    }

    /// The metadata filter `field` (absent: nil): an object whose keys are metadata keys and whose values are a
    /// value (a string or number: equal to it), an array of values (any of them), or an object of comparisons
    /// (`{">=": 2020, "<": 2024}`, `{"!=": ["fr", "de"]}`).
    func filter(_ field: String) throws -> MetadataFilter? {
        guard let value = fields[field], value != .null else { return nil }
        guard case .object(let keys) = value else {
            throw APIError.badRequest(
                "wrong_type",
                "the field \"\(field)\" must be an object such as {\"year\": {\">=\": 2020}, \"format\": \"pubmed\"}; got "
                    + value.kindDescription)
        }
        func values(_ value: JSONValue, key: String) throws -> [String] {
            switch value {
            case .string(let text): return [text]
            case .number(let number):
                return [number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)]
            case .array(let items):
                guard !items.isEmpty else {
                    throw APIError.badRequest("invalid_filter", "the filter on \"\(key)\" lists no values")
                }
                return try items.flatMap { item -> [String] in
                    if case .array = item {
                        throw APIError.badRequest("invalid_filter", "the filter on \"\(key)\" nests arrays")
                    }
                    return try values(item, key: key)
                }
            default:
                throw APIError.badRequest(
                    "invalid_filter",
                    "the filter on \"\(key)\" must be a string, a number, an array of them or an object of comparisons; "
                        + "got \(value.kindDescription)")
            }
        }
        var conditions: [MetadataFilter.Condition] = []
        for key in keys.keys.sorted() {
            guard let value = keys[key] else { continue }
            guard case .object(let comparisons) = value else {
                conditions.append(MetadataFilter.Condition(key: key, .equal, try values(value, key: key)))
                continue
            }
            guard !comparisons.isEmpty else {
                throw APIError.badRequest("invalid_filter", "the filter on \"\(key)\" has no comparison")
            }
            for symbol in comparisons.keys.sorted() {
                guard let comparison = MetadataFilter.Comparison(rawValue: symbol) else {
                    throw APIError.badRequest(
                        "invalid_filter",
                        "\"\(symbol)\" (in the filter on \"\(key)\") is not one of "
                            + MetadataFilter.Comparison.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                }
                let compared = try values(comparisons[symbol] ?? .null, key: key)
                guard !comparison.orders || compared.count == 1 else {
                    throw APIError.badRequest(
                        "invalid_filter",
                        "\"\(symbol)\" (in the filter on \"\(key)\") compares with one value, not a list")
                }
                conditions.append(MetadataFilter.Condition(key: key, comparison, compared))
            }
        }
        return MetadataFilter(conditions)
    }

    /// The array `field` (absent: nil).
    /// The field's value as sent, for a router to pass on; `nil` when absent.
    func raw(_ field: String) -> JSONValue? { fields[field] }

    func array(_ field: String) throws -> [JSONValue]? {
        guard let value = fields[field], value != .null else { return nil }
        guard case .array(let items) = value else {
            throw APIError.badRequest(
                "wrong_type", "the field \"\(field)\" must be an array; got \(value.kindDescription)")
        }
        return items
    }
}
