import SIEMCore

/// What an action ended with, as reported to `POST /edr/actions/{id}/result`.
struct ActionOutcome: Sendable, Equatable {
    var status: String
    var output: JSONValue?
    var error: String?

    static func succeeded(_ output: [String: JSONValue]) -> ActionOutcome {
        ActionOutcome(status: "succeeded", output: .object(output), error: nil)
    }
    static func failed(_ error: String) -> ActionOutcome { ActionOutcome(status: "failed", output: nil, error: error) }
    static func refused(_ error: String) -> ActionOutcome {
        ActionOutcome(status: "refused", output: nil, error: error)
    }

    var body: JSONValue {
        var members: [String: JSONValue] = ["status": .string(status)]
        if let output { members["output"] = output }
        if let error { members["error"] = .string(error) }
        return .object(members)
    }
}
