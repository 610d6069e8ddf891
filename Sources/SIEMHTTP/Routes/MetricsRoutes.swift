import Hummingbird
import SIEMStore

/// `GET /metrics`: Prometheus text format.
struct MetricsRoutes: Sendable {
    let metrics: SIEMMetrics
    let store: any EventStore
    let webhooks: WebhookSender?

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/metrics") { _, _ in
            let text = await metrics.render(store: store, webhooks: webhooks?.statistics)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
