import Foundation
import Hummingbird
import SIEMCore

/// What Elasticsearch clients and shippers ask before they send, answered so that they go on to
/// `_bulk`: the cluster's info (`GET /` for clients that do not ask for HTML, see
/// `DashboardRoutes`), a basic license and its features, cluster health (Vector's health check;
/// rsyslog's omelasticsearch asks `HEAD /_cat/health`), and index templates, component templates
/// and lifecycle policies, reported as present (so Beats and Logstash skip installing them) and
/// acknowledged when a client installs one anyway. None of these changes anything.
struct ElasticProbeRoutes: Sendable {
    /// The Elasticsearch version siemd answers as: Beats and the official clients of 8.x accept it.
    static let version = "8.11.0"
    static let clusterName = "swift-siem"
    /// A fixed cluster id, so a client that records it sees the same cluster after a restart.
    static let clusterUUID = "c3dpZnQtc2llbS9zaWVtZA"

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/_license") { _, _ in Self.license }
        router.get("/_xpack") { _, _ in Self.xpack }
        router.get("/_cluster/health") { _, _ in Self.clusterHealth }
        router.get("/_cat/health") { _, _ in Self.catHealth() }
        for kind in ["_index_template", "_component_template", "_template"] {
            router.get(RouterPath("/\(kind)/{name}")) { _, context in
                Self.template(kind, name: context.parameters.get("name") ?? "")
            }
            router.put(RouterPath("/\(kind)/{name}")) { _, _ in ElasticResponse.acknowledged }
        }
        router.get("/_ilm/policy/{name}") { _, context in Self.policy(name: context.parameters.get("name") ?? "") }
        router.put("/_ilm/policy/{name}") { _, _ in ElasticResponse.acknowledged }
    }

    /// `GET /` for an Elasticsearch client: the info document every client and shipper reads first.
    static var info: Response {
        ElasticResponse.json { body in
            body.object([
                ("name", { $0.string("siemd") }),
                ("cluster_name", { $0.string(clusterName) }),
                ("cluster_uuid", { $0.string(clusterUUID) }),
                (
                    "version",
                    { body in
                        body.object([
                            ("number", { $0.string(version) }),
                            ("build_flavor", { $0.string("default") }),
                            ("build_type", { $0.string("tar") }),
                            ("build_hash", { $0.string("swift-siem-\(siemVersion)") }),
                            ("build_date", { $0.string("2023-11-04T10:04:57.184Z") }),
                            ("build_snapshot", { $0.raw("false") }),
                            ("lucene_version", { $0.string("9.8.0") }),
                            ("minimum_wire_compatibility_version", { $0.string("7.17.0") }),
                            ("minimum_index_compatibility_version", { $0.string("7.0.0") }),
                        ])
                    }
                ),
                ("tagline", { $0.string("You Know, for Search") }),
            ])
        }
    }

    static var licenseMembers: [(String, (inout JSONBody) -> Void)] {
        [
            ("status", { $0.string("active") }),
            ("uid", { $0.string("00000000-0000-4000-8000-73696566d000") }),
            ("type", { $0.string("basic") }),
            ("issue_date", { $0.string("2023-11-04T00:00:00.000Z") }),
            ("issue_date_in_millis", { $0.raw("1699056000000") }),
            ("max_nodes", { $0.raw("1000") }),
            ("max_resource_units", { $0.raw("null") }),
            ("issued_to", { $0.string(clusterName) }),
            ("issuer", { $0.string("elasticsearch") }),
            ("start_date_in_millis", { $0.raw("-1") }),
        ]
    }

    static var license: Response {
        ElasticResponse.json { $0.object([("license", { $0.object(licenseMembers) })]) }
    }

    static var xpack: Response {
        ElasticResponse.json { body in
            body.object([
                ("build", { $0.raw(#"{"hash":"swift-siem","date":"2023-11-04T10:04:57.184Z"}"#) }),
                (
                    "license",
                    {
                        $0.raw(
                            #"{"uid":"00000000-0000-4000-8000-73696566d000","type":"basic","mode":"basic","status":"active"}"#
                        )
                    }
                ),
                (
                    "features",
                    { body in
                        body.object(
                            ["ilm", "security"].map { name in
                                (name, { $0.raw(#"{"available":true,"enabled":true}"#) })
                            })
                    }
                ),
                ("tagline", { $0.string("You know, for X") }),
            ])
        }
    }

    static var clusterHealth: Response {
        ElasticResponse.json { body in
            body.object(
                [("cluster_name", { $0.string(clusterName) }), ("status", { $0.string("green") })]
                    + [("timed_out", "false"), ("number_of_nodes", "1"), ("number_of_data_nodes", "1")].map(member)
                    + [
                        "active_primary_shards", "active_shards", "relocating_shards", "initializing_shards",
                        "unassigned_shards", "delayed_unassigned_shards", "number_of_pending_tasks",
                        "number_of_in_flight_fetch", "task_max_waiting_in_queue_millis",
                    ].map { member(($0, "0")) }
                    + [member(("active_shards_percent_as_number", "100.0"))])
        }
    }

    private static func member(_ pair: (String, String)) -> (String, (inout JSONBody) -> Void) {
        (pair.0, { $0.raw(pair.1) })
    }

    /// `_cat/health`'s one line of text: epoch, time, cluster, status, nodes, shards.
    static func catHealth() -> Response {
        let now = Date()
        let clock = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).time(
            includingFractionalSeconds: false)
        let line =
            "\(Int(now.timeIntervalSince1970)) \(clock.format(now)) \(clusterName) green 1 1 0 0 0 0 0 0 - 100.0%\n"
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=UTF-8", .xElasticProduct: "Elasticsearch"],
            body: .init(byteBuffer: ByteBuffer(string: line)))
    }

    /// A template of `kind` named `name`, as present and empty.
    static func template(_ kind: String, name: String) -> Response {
        ElasticResponse.json { body in
            switch kind {
            case "_index_template":
                body.raw(#"{"index_templates":[{"name":"#)
                body.string(name)
                body.raw(#","index_template":{"index_patterns":["#)
                body.string(name + "-*")
                body.raw(#"],"composed_of":[],"template":{}}}]}"#)
            case "_component_template":
                body.raw(#"{"component_templates":[{"name":"#)
                body.string(name)
                body.raw(#","component_template":{"template":{}}}]}"#)
            default:
                body.object([
                    (
                        name,
                        { body in
                            body.raw(#"{"order":0,"index_patterns":["#)
                            body.string(name + "-*")
                            body.raw(#"],"settings":{},"mappings":{},"aliases":{}}"#)
                        }
                    )
                ])
            }
        }
    }

    /// A lifecycle policy named `name`, as present with no phases.
    static func policy(name: String) -> Response {
        ElasticResponse.json { body in
            body.object([
                (
                    name,
                    {
                        $0.raw(#"{"version":1,"modified_date":"2023-11-04T00:00:00.000Z","policy":{"phases":{}}}"#)
                    }
                )
            ])
        }
    }
}
