/// Why `tail` or `syslog` could not start or stopped early.
public enum AgentError: Error, CustomStringConvertible {
    /// The positions file exists but cannot be read.
    case stateUnreadable(path: String, underlying: any Error)
    /// The TLS certificate chain or private key cannot be loaded.
    case tlsUnreadable(underlying: any Error)
    /// The syslog listener could not bind or failed while listening.
    case listenerFailed(underlying: any Error)

    public var description: String {
        switch self {
        case .stateUnreadable(let path, let error): "cannot read the state file \(path): \(error)"
        case .tlsUnreadable(let error): "cannot load the TLS certificate or key: \(error)"
        case .listenerFailed(let error): "syslog listener failed: \(error)"
        }
    }
}
