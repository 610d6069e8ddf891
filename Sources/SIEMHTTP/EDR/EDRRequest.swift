import Foundation
import Hummingbird
import SIEMCore

/// A JSON object from a request body, with typed reads that fail as 422s naming the field.
struct JSONObject {
    let members: [String: JSONValue]

    init(_ data: Data) throws(APIError) {
        guard case .object(let members) = try JSONRequestBody.parse(data) else {
            throw .invalid("the body must be a JSON object")
        }
        self.members = members
    }

    init(members: [String: JSONValue]) {
        self.members = members
    }

    func string(_ name: String, maxLength: Int = 256) throws(APIError) -> String? {
        guard let value = members[name], value != .null else { return nil }
        guard case .string(let text) = value else { throw .invalid("`\(name)` must be a string") }
        guard text.utf8.count <= maxLength else { throw .invalid("`\(name)` is longer than \(maxLength) bytes") }
        return text
    }

    func requiredString(_ name: String, maxLength: Int = 256) throws(APIError) -> String {
        guard let text = try string(name, maxLength: maxLength), !text.isEmpty else {
            throw .invalid("`\(name)` is required")
        }
        return text
    }

    func int(_ name: String) throws(APIError) -> Int64? {
        switch members[name] {
        case nil, .null?: return nil
        case .int(let value)?: return value
        case .double(let value)? where value.rounded() == value && abs(value) < 9e15: return Int64(value)
        default: throw .invalid("`\(name)` must be a whole number")
        }
    }

    func object(_ name: String) throws(APIError) -> [String: JSONValue]? {
        guard let value = members[name], value != .null else { return nil }
        guard case .object(let object) = value else { throw .invalid("`\(name)` must be an object") }
        return object
    }

    func strings(_ name: String, max: Int = 64) throws(APIError) -> [String] {
        guard let value = members[name], value != .null else { return [] }
        guard case .array(let items) = value, items.count <= max else {
            throw .invalid("`\(name)` must be a list of at most \(max) strings")
        }
        var result: [String] = []
        for item in items {
            guard case .string(let text) = item, text.utf8.count <= 256 else {
                throw .invalid("`\(name)` must be a list of strings")
            }
            result.append(text)
        }
        return result
    }
}
