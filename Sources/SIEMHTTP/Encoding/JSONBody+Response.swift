import Hummingbird
import SIEMCore
import SIEMStore

extension JSONBody {
    /// A JSON response whose body `build` writes.
    static func response(status: HTTPResponse.Status = .ok, _ build: (inout JSONBody) -> Void) -> Response {
        var body = JSONBody()
        build(&body)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body.text)))
    }

    mutating func buckets(_ buckets: [Bucket], key: String) {
        array(buckets) { body, bucket in
            body.object([(key, { $0.string(bucket.key) }), ("count", { $0.raw(String(bucket.count)) })])
        }
    }
}
