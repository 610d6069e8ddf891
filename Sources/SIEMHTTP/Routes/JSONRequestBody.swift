import Foundation
import Hummingbird
import SIEMCore

/// A JSON object request body with typed reads; a wrong type is a 422 that names the member.
struct JSONRequestBody {
    let members: [String: JSONValue]

    static func read(_ request: Request, limit: Int) async throws -> JSONRequestBody {
        let data = try await collectBody(request, limit: limit)
        guard !data.isEmpty else { throw APIError.badRequest("the request body is empty; send a JSON object") }
        guard case .object(let members) = try parse(data) else {
            throw APIError.badRequest("the request body must be a JSON object")
        }
        return JSONRequestBody(members: members)
    }

    /// The body as a JSON value, by the same parser as ingest; a syntax error is a 400 that says where.
    static func parse(_ data: Data) throws(APIError) -> JSONValue {
        do {
            return try JSONParser.parse(data)
        } catch {
            throw .badRequest("the request body is not valid JSON: \(error.reason) at byte \(error.offset)")
        }
    }

    /// True when `key` is present (even as null).
    func has(_ key: String) -> Bool { members[key] != nil }

    func string(_ key: String) throws(APIError) -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw .invalid("`\(key)` must be a string")
        }
    }

    /// A string that, when present, must not be blank.
    func nonEmptyString(_ key: String, maxLength: Int = 10_000) throws(APIError) -> String? {
        guard let value = try string(key) else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid("`\(key)` must not be empty") }
        guard trimmed.count <= maxLength else { throw .invalid("`\(key)` is longer than \(maxLength) characters") }
        return trimmed
    }

    func int(_ key: String, in range: ClosedRange<Int64>) throws(APIError) -> Int64? {
        switch members[key] {
        case nil, .null?: return nil
        case .int(let value)? where range.contains(value): return value
        case .double(let value)? where value.rounded() == value && range.contains(Int64(exactly: value) ?? -1):
            return Int64(value)
        case .string(let text)? where Int64(text).map(range.contains) == true: return Int64(text)
        default:
            throw .invalid("`\(key)` must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
    }

    func severity(_ key: String = "severity") throws(APIError) -> Severity? {
        guard let text = try string(key) else { return nil }
        guard let value = Severity(rawValue: text.lowercased()) else {
            throw .invalid("`\(key)` must be one of low, medium, high, critical")
        }
        return value
    }

    func date(_ key: String) throws(APIError) -> Date? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let text)?:
            guard let date = Timestamp.parse(text) else {
                throw .invalid("`\(key)` must be an RFC 3339 time (2026-12-31T00:00:00Z) or a Unix epoch")
            }
            return date
        case .int(let value)?:
            guard let date = Timestamp.fromEpoch(Double(value)) else { throw .invalid("`\(key)` is not a valid epoch") }
            return date
        case .double(let value)?:
            guard let date = Timestamp.fromEpoch(value) else { throw .invalid("`\(key)` is not a valid epoch") }
            return date
        default: throw .invalid("`\(key)` must be an RFC 3339 time or a Unix epoch")
        }
    }
}

extension SIEMRequestContext {
    /// The `{id}` path parameter as a positive integer; a 404 otherwise (no such record can exist).
    func id(_ what: String) throws(APIError) -> Int64 {
        guard let id = parameters.get("id", as: Int64.self), id > 0 else {
            throw APIError.notFound("no \(what) with id \(parameters.get("id") ?? "")")
        }
        return id
    }
}
