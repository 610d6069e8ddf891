import Hummingbird
import SIEMEngine

/// `GET /metrics`: Prometheus text format.
struct MetricsRoutes: Sendable {
    let engine: Engine

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: await engine.renderMetrics())))
        }
    }
}
