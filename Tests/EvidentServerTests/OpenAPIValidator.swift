import Foundation

/// Checks JSON values against the schemas of an OpenAPI 3.1 document: the part of JSON Schema the document uses
/// (`$ref`, `type` with null, `properties`, `required`, `additionalProperties` (false or a schema), `items`, `enum`,
/// `oneOf`, `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems`, `minProperties`). Returns what does not match, with its
/// JSON path; an empty list means the value matches.
struct OpenAPIValidator: @unchecked Sendable {  // immutable after init
    let document: [String: Any]

    init(json: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        document = object
    }

    /// The schema of the JSON response `status` of `method path`, or nil when the document does not list it.
    func responseSchema(path: String, method: String, status: Int) -> [String: Any]? {
        guard let paths = document["paths"] as? [String: Any], let item = paths[path] as? [String: Any],
            let operation = item[method.lowercased()] as? [String: Any],
            let responses = operation["responses"] as? [String: Any],
            var response = responses[String(status)] as? [String: Any]
        else { return nil }
        if let reference = response["$ref"] as? String, let resolved = resolve(reference) { response = resolved }
        guard let content = response["content"] as? [String: Any],
            let json = content["application/json"] as? [String: Any]
        else { return nil }
        return json["schema"] as? [String: Any]
    }

    /// The mismatches of `value` (from JSONSerialization) against `schema`.
    func mismatches(of value: Any, against schema: [String: Any], at path: String = "$") -> [String] {
        var schema = schema
        if let reference = schema["$ref"] as? String {
            guard let resolved = resolve(reference) else { return ["\(path): unknown $ref \(reference)"] }
            schema = resolved
        }
        if let choices = schema["oneOf"] as? [[String: Any]] {
            let matching = choices.filter { mismatches(of: value, against: $0, at: path).isEmpty }.count
            return matching == 1 ? [] : ["\(path): matches \(matching) of oneOf's \(choices.count) schemas, not 1"]
        }
        var problems: [String] = []
        if let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map({ [$0] }) {
            let actual = Self.type(of: value)
            let accepted = types.contains(actual) || (actual == "integer" && types.contains("number"))
            if !accepted { return ["\(path): expected \(types.joined(separator: " or ")), found \(actual)"] }
        }
        if let choices = schema["enum"] as? [Any], !choices.contains(where: { Self.equal($0, value) }) {
            problems.append("\(path): \(value) is not one of the enum's values")
        }
        if let number = value as? NSNumber {
            if let minimum = schema["minimum"] as? Double, number.doubleValue < minimum {
                problems.append("\(path): \(number) below the minimum \(minimum)")
            }
            if let maximum = schema["maximum"] as? Double, number.doubleValue > maximum {
                problems.append("\(path): \(number) above the maximum \(maximum)")
            }
        }
        if let text = value as? String {
            if let minimum = schema["minLength"] as? Int, text.count < minimum {
                problems.append("\(path): shorter than \(minimum)")
            }
            if let maximum = schema["maxLength"] as? Int, text.count > maximum {
                problems.append("\(path): longer than \(maximum)")
            }
        }
        if let items = value as? [Any] {
            if let minimum = schema["minItems"] as? Int, items.count < minimum {
                problems.append("\(path): fewer than \(minimum) items")
            }
            if let maximum = schema["maxItems"] as? Int, items.count > maximum {
                problems.append("\(path): more than \(maximum) items")
            }
            if let itemSchema = schema["items"] as? [String: Any] {
                for (index, item) in items.enumerated() {
                    problems += mismatches(of: item, against: itemSchema, at: "\(path)[\(index)]")
                }
            }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            if let minimum = schema["minProperties"] as? Int, object.count < minimum {
                problems.append("\(path): fewer than \(minimum) properties")
            }
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path): the required property \"\(key)\" is missing")
            }
            for (key, child) in object {
                if let childSchema = properties[key] as? [String: Any] {
                    problems += mismatches(of: child, against: childSchema, at: "\(path).\(key)")
                } else if (schema["additionalProperties"] as? Bool) == false {
                    problems.append("\(path): property \"\(key)\" is not in the schema")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    problems += mismatches(of: child, against: extra, at: "\(path).\(key)")
                }
            }
        }
        return problems
    }

    private func resolve(_ reference: String) -> [String: Any]? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any = document
        for component in reference.dropFirst(2).split(separator: "/") {
            guard let object = node as? [String: Any], let next = object[String(component)] else { return nil }
            node = next
        }
        return node as? [String: Any]
    }

    /// JSON Schema's type name of a JSONSerialization value.
    static func type(of value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is String: return "string"
        case is [Any]: return "array"
        case is [String: Any]: return "object"
        case let number as NSNumber:
            // JSONSerialization reads true and false as NSNumbers of a Boolean (objCType "c" or "B").
            if ["c", "B"].contains(String(cString: number.objCType)) { return "boolean" }
            // A number written without a fraction is an integer.
            return number.doubleValue.rounded() == number.doubleValue && !"\(number)".contains(".")
                ? "integer" : "number"
        default: return "unknown"
        }
    }

    private static func equal(_ left: Any, _ right: Any) -> Bool {
        switch (left, right) {
        case (is NSNull, is NSNull): return true
        case (let left as String, let right as String): return left == right
        case (let left as NSNumber, let right as NSNumber): return left == right
        default: return false
        }
    }
}
