import Hummingbird
import NIOCore
import SIEMCore

extension HTTPFields.Element.Name {
    /// Elasticsearch's product header: its official clients refuse a server whose answers lack it.
    static let xElasticProduct = Self("X-Elastic-Product")!
}

/// Answers in Elasticsearch's manner: JSON with `X-Elastic-Product: Elasticsearch`.
enum ElasticResponse {
    static func json(
        status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], _ build: (inout JSONBody) -> Void
    ) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.xElasticProduct] = "Elasticsearch"
        return Response(
            status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: JSONBody.text(build))))
    }

    /// `{"acknowledged": true}`, what Elasticsearch answers a stored setting.
    static var acknowledged: Response {
        json { $0.object([("acknowledged", { $0.raw("true") })]) }
    }
}

extension JSONBody {
    /// `{"error": {"root_cause": [{"type", "reason"}], "type", "reason"}, "status"}`.
    mutating func elasticError(type: String, reason: String, status: Int) {
        object([
            (
                "error",
                { body in
                    body.raw("{\"root_cause\":[")
                    body.elasticCause(type: type, reason: reason)
                    body.raw("],\"type\":")
                    body.string(type)
                    body.raw(",\"reason\":")
                    body.string(reason)
                    body.raw("}")
                }
            ),
            ("status", { $0.raw(String(status)) }),
        ])
    }

    /// An item's `{"type", "reason"}`.
    mutating func elasticCause(type: String, reason: String) {
        object([("type", { $0.string(type) }), ("reason", { $0.string(reason) })])
    }
}
