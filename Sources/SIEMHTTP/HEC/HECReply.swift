import SIEMCore

/// A Splunk HTTP Event Collector answer: `{"text", "code"}`, with `invalid-event-number` when an
/// event of the body was refused.
struct HECReply: Sendable, Equatable {
    var code: Int
    var text: String
    var invalidEventNumber: Int?

    static let success = HECReply(code: 0, text: "Success")
    static let healthy = HECReply(code: 17, text: "HEC is healthy")
    static let tokenRequired = HECReply(code: 2, text: "Token is required")
    static let invalidToken = HECReply(code: 4, text: "Invalid token")

    var json: String {
        JSONBody.text { body in
            var members: [(String, (inout JSONBody) -> Void)] = [
                ("text", { $0.string(text) }), ("code", { $0.raw(String(code)) }),
            ]
            if let invalidEventNumber {
                members.append(("invalid-event-number", { $0.raw(String(invalidEventNumber)) }))
            }
            body.object(members)
        }
    }
}
