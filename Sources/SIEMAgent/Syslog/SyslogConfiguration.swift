/// What `siem-agent syslog` runs with.
public struct SyslogConfiguration: Sendable {
    /// The address to listen on.
    var bind: String
    /// The UDP and TCP port; 0 picks a free one.
    var port: Int
    /// The events' `source`.
    var source: String
    /// PEM certificate chain and private key; with both, TCP is TLS.
    var tlsCertificatePath: String?
    var tlsKeyPath: String?
    /// Longer messages are cut and flagged `fields.truncated`.
    var maxMessageBytes: Int
    /// Messages and bytes buffered while siemd is slow or away.
    var bufferMessages: Int
    var bufferBytes: Int
    /// Where events siemd rejects are written.
    var deadLetterPath: String
    var shipping: ShippingConfiguration

    public init(
        bind: String, port: Int, source: String, tlsCertificatePath: String?, tlsKeyPath: String?,
        maxMessageBytes: Int, bufferMessages: Int, bufferBytes: Int, deadLetterPath: String,
        shipping: ShippingConfiguration
    ) {
        self.bind = bind
        self.port = port
        self.source = source
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.maxMessageBytes = maxMessageBytes
        self.bufferMessages = bufferMessages
        self.bufferBytes = bufferBytes
        self.deadLetterPath = deadLetterPath
        self.shipping = shipping
    }
}
