import SIEMCore

/// The addresses an agent reaches siemd on, which no `block_ip` may name: the bound host, or every
/// local interface address when siemd listens on all of them.
public enum ServerAddresses {
    public static func protected(host: String) -> Set<String> {
        guard let bound = IPAddress.canonical(host) else { return [] }
        guard bound == "0.0.0.0" || bound == "::" else { return [bound] }
        return Set(InterfaceAddresses.all()).union([bound])
    }
}
